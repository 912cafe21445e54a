"""Serving the hub from several worker processes (``station hub serve --workers N``).

gunicorn's pre-fork master (Linux; the hub with one process keeps waitress,
``sync.hub.serve``): the app is built in the master before the workers fork
(preloaded), so the node's signing key the operator unlocked once is inherited, and
each worker serves with threads (gthread) as waitress does.  The master binds the
listening socket itself (port 0 gives the real port before any worker starts) and
hands gunicorn its file descriptor.

No database connection crosses a fork: the master closes its own before serving, and
each worker drops whatever its connection state held (``after_fork``) and opens its own.
What each worker keeps in memory (the node keys and the revocation list it has read)
is brought up to the database every ``STEP`` seconds (``keep_in_step``), since another
worker may have changed it.
"""

from __future__ import annotations

import importlib.util
import logging
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any

from peewee import Database

from sync.hub.serve import PROXY_SETTINGS
from sync.hub.service import HubService

log = logging.getLogger("bianmin.hub.workers")
STEP = 2.0
TIMEOUT = 120  # as waitress's channel_timeout
GRACEFUL = 8  # SIGTERM: requests under way may finish this long
# An idle connection is kept this long, as waitress keeps it (channel_timeout): a village
# station keeps one connection for its whole sync round, whose requests can be seconds
# apart (its scans, then its events), and a connection the server closes just as the
# client reuses it fails that request (gunicorn's default keeps it 2 s).
KEEPALIVE = 120
# Connections served at once, in all (waitress's connection_limit): split between the
# workers, so a rush queues in the kernel's backlog instead of every station's requests
# sharing the cores at once and each taking longer.
CONNECTIONS = 100


def available() -> bool:
    """Can this machine run several worker processes (gunicorn: not on Windows)?"""
    return sys.platform != "win32" and importlib.util.find_spec("gunicorn") is not None


def listen_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on HOST:PORT (port 0: one the system picks)."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def ProxiedAddress(app: Any, trusted_proxy: str | None) -> Any:  # noqa: N802 (a WSGI app)
    """What waitress does for ``--trusted-proxy``, by waitress's own middleware with the
    settings ``sync.hub.serve.bind`` gives it: from that address, the request's address
    is the last one ``X-Forwarded-For`` names; from anyone else that header is dropped.
    Also keeps the request target as sent (``REQUEST_URI``, which the hub's signature
    check reads; gunicorn calls it ``RAW_URI``)."""
    from waitress.proxy_headers import proxy_headers_middleware

    proxied = proxy_headers_middleware(app, trusted_proxy=trusted_proxy,
                                       clear_untrusted=True, **PROXY_SETTINGS)

    def with_target(environ: dict[str, Any], start_response: Any) -> Any:
        if "REQUEST_URI" not in environ and "RAW_URI" in environ:
            environ["REQUEST_URI"] = environ["RAW_URI"]
        return proxied(environ, start_response)

    return with_target


def after_fork(db: Database) -> None:
    """In a new worker: forget the connection state copied from the master (never
    close it: that would end the master's session), so the worker opens its own."""
    state = getattr(db, "_state", None)
    if state is not None:
        state.reset()


def keep_in_step(service: HubService, stop: threading.Event, every: float = STEP) -> None:
    """Every ``every`` seconds, read again what other workers may have changed."""
    while not stop.wait(every):
        try:
            with service.db.connection_context():
                service.refresh_shared()
        except Exception as error:  # the database away: next time
            log.warning("could not read the hub's shared state: %s", error)


def serve(app: Any, sock: socket.socket, workers: int, threads: int,
          started: Callable[[], None], in_worker: Callable[[], None],
          db: Database, trusted_proxy: str | None = None) -> None:
    """Serve ``app`` on ``sock`` from ``workers`` processes of ``threads`` threads until
    the master is told to stop (SIGTERM, SIGINT).  ``started`` runs in the master once
    the workers are being started; ``in_worker`` in each worker once it is ready."""
    from gunicorn.app.base import BaseApplication

    wrapped = ProxiedAddress(app, trusted_proxy)
    fd = sock.detach()  # gunicorn takes the descriptor over (and closes it)

    def post_fork(server: Any, worker: Any) -> None:
        after_fork(db)

    def post_worker_init(worker: Any) -> None:
        in_worker()

    def when_ready(server: Any) -> None:
        started()

    options: dict[str, Any] = {
        "bind": [f"fd://{fd}"], "workers": workers, "worker_class": "gthread",
        "threads": threads, "preload_app": True, "timeout": TIMEOUT,
        "graceful_timeout": GRACEFUL, "keepalive": KEEPALIVE, "loglevel": "warning",
        "worker_connections": max(threads, CONNECTIONS // workers),
        "accesslog": None, "errorlog": "-", "proc_name": "station-hub",
        "post_fork": post_fork, "post_worker_init": post_worker_init,
        "when_ready": when_ready, "control_socket_disable": True,
    }

    class Application(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return wrapped

    db.close()  # no connection of the master's crosses the fork
    Application().run()
