"""Serving the hub's WSGI app with waitress (pure Python, runs on Windows too)."""

from __future__ import annotations

from typing import Any

from waitress import create_server

from sync.hub.app import create_app
from sync.hub.service import HubService


def bind(service: HubService, host: str, port: int, threads: int = 8) -> tuple[Any, str]:
    """The server (call ``.run()``) and the address it listens on."""
    server: Any = create_server(create_app(service), host=host, port=port, threads=threads,
                                channel_timeout=120, clear_untrusted_proxy_headers=True)
    return server, f"http://{host}:{server.effective_port}"
