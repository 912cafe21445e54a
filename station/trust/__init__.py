"""Who is who: this node's users and offices, the network's directory, seals, revocation.

Owns:
- ``users``: roles and offices of this station's users, adding users, passphrases
  (each user's own key is ``station.user_keys``);
- ``offices``: office keys shared by the office's members only;
- ``seals``: the offices' electronic seals (电子印章), certified by the county root;
- ``enrolment``: joining the network (codes, requests, approvals, certificates);
- ``revocations``: the county's revocation list, newest wins;
- ``directory``: the verified directory of nodes and offices to seal to.

Built on ``keys`` (the primitives).  Must not: talk to a hub (``station.network``
carries requests and lists), touch cases, or import Tk.
"""
