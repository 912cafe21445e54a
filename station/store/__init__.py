"""The station's encrypted local store (peewee on SQLite)."""
