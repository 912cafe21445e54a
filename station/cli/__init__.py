"""The ``station`` command: one small module of subcommands per capability.

Each command parses its options, opens the station (``context``) and calls the
services of the floors below; ``--json`` prints one document on stdout, messages go
to stderr, and every error maps to its exit code (``main``).  Must not hold business
logic.
"""
