"""The demo (``bash run.sh demo``, ``station demo``): a whole network on this machine.

Owns ``village`` (one station with sample cases), ``demo_network`` (county and
township hubs on loopback, a village and reviewers, a round trip and one case through
its whole life) and ``samples`` (invented residents and drawn scans).  Tests and the
screenshots build on it.  Must not be imported by anything but the CLI, tests, bench
and docs: nothing in the product depends on the demo.
"""
