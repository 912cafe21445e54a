"""The station's side of the sync network: everything that travels to and from a hub.

Owns:
- ``link``: the facade the rest of the station uses — the hub's address, the client,
  one sync round (exchange trust, publish, push, receipts, pull, apply);
- ``publish``: outbox events become sealed, signed envelopes;
- ``transfer``: opening what arrived (payloads, blobs);
- ``arrivals``: what a round brings back for the cases filed here;
- ``bundle``: the same round on a USB stick (离线数据包);
- ``sync_worker``: the background sync with backoff;
- ``enrolment_net`` and ``updates``: enrolment requests and grants through the hubs,
  catalogue and calendar updates coming down.

Speaks HTTP only through ``sync.client``.  Must not: import Tk, or decide anything
about a case (that is ``station.casework``; the lifecycle rules are ``sync.lifecycle``).
"""
