"""The case file as this node knows it (案卷): the floor every later step stands on.

Owns:
- ``register``: the cases stored here — listing, filters, search through blind
  indexes, one case's details (masked unless revealed), its scanned pages; every
  view is an access event (阅览留痕);
- ``status``: the stored states and their labels;
- ``case_state``: a case's life folded from its event headers (``sync.lifecycle``),
  which actions it allows now, and the Case row's state kept in step (``refresh``);
- ``conflicts``: own events the hub kept without applying them;
- ``case_documents``: the sealed documents a case received, kept encrypted, printed
  on demand;
- ``matter_rules``: a catalogue matter as the lifecycle table reads it.
- ``resident_file``: the resident's file (居民档案), every case of one resident held
  here with states and materials; opening it is an access event.

Must not: file new cases (``station.filing``), act on a case (``station.casework``),
talk to a hub (``station.network``), or import Tk.
"""
