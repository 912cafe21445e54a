"""The hub: a WSGI app (Falcon) over a peewee database (SQLite or PostgreSQL)."""
