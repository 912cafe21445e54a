"""What the case list can be filtered and sorted by: names only, no database.

``station.cases.register`` applies them; the command line offers them as choices
without loading the store (station/cli/context.py says why).
"""

from __future__ import annotations

DEADLINE_STATES = ("overdue", "due_soon", "on_track", "not_started")
SORT_NAMES = ("filed_at", "case_no", "deadline", "status", "matter")  # register.SORTS's keys
