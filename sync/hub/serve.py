"""Serving the hub's WSGI app with waitress (pure Python, runs on Windows too)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from waitress import create_server

from sync.hub.admission import UNLIMITED
from sync.hub.app import create_app
from sync.hub.metrics import HubMetrics
from sync.hub.service import HubService

LOOPBACK = ("127.0.0.1", "localhost")
# Behind the trusted proxy: the request's address is the last X-Forwarded-For names
# (waitress's settings; the worker processes give its middleware the same).
PROXY_SETTINGS: dict[str, Any] = {"trusted_proxy_count": 1,
                                  "trusted_proxy_headers": {"x-forwarded-for"}}


def bind(service: HubService, host: str, port: int, threads: int = 8,
         public_names: Iterable[str] = (), metrics: HubMetrics | None = None,
         max_busy: int | None = None) -> tuple[Any, str]:
    """The server (call ``.run()``) and the address it listens on.

    ``public_names`` are the authorities clients (or a reverse proxy in front)
    use for this hub; by default the listen address HOST:PORT (on loopback both
    127.0.0.1 and localhost).  Signed requests for any other authority are refused.

    Behind a reverse proxy the hub trusts (``metrics.trusted_proxy``: its address), a
    request's address is the last one the proxy adds to ``X-Forwarded-For``, as for the
    progress page (``sync.hub.progress_web.bind``); from anyone else that header is
    dropped.

    ``max_busy``: signed requests worked on at once before others get 429 (None: no
    limit; ``admission.default_limit`` suggests ``threads`` less a reserve kept for
    ``/v1/health`` and ``/metrics``)."""
    metrics = metrics or HubMetrics(service)
    proxy: dict[str, Any] = {}
    if metrics.trusted_proxy:
        proxy = {"trusted_proxy": metrics.trusted_proxy, **PROXY_SETTINGS}
    app = create_app(service, metrics, max_busy or UNLIMITED)
    server: Any = create_server(app, host=host, port=port,
                                threads=threads, channel_timeout=120,
                                clear_untrusted_proxy_headers=True, **proxy)
    service.public_names = public_names_of(host, server.effective_port, public_names)
    return server, f"http://{host}:{server.effective_port}"


def app_for(service: HubService, host: str, port: int, public_names: Iterable[str] = (),
            metrics: HubMetrics | None = None, max_busy: int | None = None) -> Any:
    """The hub's WSGI app for a socket bound elsewhere (``sync.hub.workers``), with the
    public names ``bind`` would give it."""
    service.public_names = public_names_of(host, port, public_names)
    return create_app(service, metrics or HubMetrics(service), max_busy or UNLIMITED)


def public_names_of(host: str, port: int, public_names: Iterable[str] = ()) -> frozenset[str]:
    """The authorities signed requests may name: those given, else HOST:PORT (on
    loopback both 127.0.0.1 and localhost)."""
    names = {name.strip().lower() for name in public_names if name.strip()}
    if not names:
        hosts = LOOPBACK if host in LOOPBACK else (host,)
        names = {f"{h}:{port}" for h in hosts}
    return frozenset(names)
