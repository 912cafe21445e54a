"""What happens to a case after filing: the office's review desk and the village's steps.

Owns:
- ``review_queue`` and ``review``: the office queue at the hub, claims (one reviewer
  holds a case), acceptance, the one-time notice, refusal, joint review, forwarding,
  special procedure, extension, the sealed decision and the follow-up of a bad rating;
- ``intake``: taking a claimed case's form and scans in at the desk;
- ``document_issue``: printing a notice or decision from its template and sealing it
  with the office's seal;
- ``delivery``: at the village, the supplement, delivery (送达), rating (好差评) and
  withdrawal (退件);
- ``progress``: where a case is and by when it must be decided, from headers only;
- ``clock_policy``: the deployment's clock policy kept in the store.

Each action is checked against the lifecycle (``station.cases.case_state``), written
to the outbox and sent through ``station.network.link``.  Must not: import Tk, speak
HTTP itself, or reach into the hub's database.
"""
