"""Supervision and statistics (电子监察, 月通报) from a hub's event headers alone.

The hub holds every case's event headers; the clock (``station.clock``) turns them
into each case's dates (``facts``), kept in a derived table beside the hub's own.
The monthly report (``monthly``) and the supervision board (``board``) are SQL
aggregates over that table.  Nothing here opens a payload or a vault: a hub holds
no personal data, so no figure can carry any.  Definitions: ``docs/statistics.md``.
"""
