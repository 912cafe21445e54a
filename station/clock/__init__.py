"""The statutory clock (法定时限), pure: working days and deadlines from event headers.

Owns:
- ``calendar``: working days (chinesecalendar plus the county's published days; for a
  year neither knows, the statutory holidays, provisional until published);
- ``deadlines``: the clock of a case — the 5-day acceptance window, the legal and
  promised limits, pauses for the one-time notice and special procedures, the
  extension, yellow and red, the follow-up of a bad rating;
- ``steps``: per-step limits (catalogue ``days``): each stage's start, due, yellow and red.

Must not: read the store, the network or the system clock (the caller gives "today");
so any node, and any test, computes the same deadline from the same headers.
The policy a deployment sets is kept by ``station.casework.clock_policy``.
"""
