"""Sync network: protocol core (pure), client, hub, offline bundles, audit.

Built in a later issue; for now the station keeps every change as an event
in its outbox (``station.outbox``), ready to be sent.
"""
