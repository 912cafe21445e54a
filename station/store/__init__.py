"""The station's encrypted local store (peewee on SQLite, WAL, synchronous=FULL).

Owns the tables (``models``), encrypted columns (``fields``), the database and its
migrations (``database``, ``migrations``), encrypted scans under content addresses
(``blobs``) and the residents' name index (``names``).  Must not: know about cases'
rules, the network or the UI; the UI never imports it (services do).
"""
