"""Bianmin Station (便民站): the station program — store, cases, review, sync, desktop.

The root holds what every floor uses: the open station (``app``), its errors,
messages (``i18n``), paths and logs, file writing (``fileio``), the node's identity
(``node``, ``node_keys``, ``user_keys``), the outbox (the event log) and the login
throttle.  Capabilities live in subpackages; docs/architecture.md draws the floors
and pyproject.toml's import contracts keep them.
"""
