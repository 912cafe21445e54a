"""Running this node's hub and auditing it (county and township IT, county admins).

Owns ``hub_runner`` (``station hub serve``: unlock the node once, build the hub from
``sync.hub`` with the node's identity, serve it), ``audit`` (the hub's sync log and
each station's health, read from the hub database; ``sync.audit`` verifies the
chains) and ``report`` (the audit as a PDF).  Must not: file or review cases, or
import Tk.
"""
