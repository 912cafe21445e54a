"""A TCP relay on loopback in front of a hub, for tests that play a proxy or an older
hub: each accepted connection is handed to ``serve`` on a thread of its own."""

from __future__ import annotations

import socket
import threading
from abc import ABC, abstractmethod


class LoopbackRelay(ABC):
    """Listens on a free loopback port (``address``); ``target`` is the hub's (host,
    port).  Subclasses say what to do with each client connection."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.server = socket.create_server(("127.0.0.1", 0))
        self.address = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:  # closed: the test is over
                return
            threading.Thread(target=self.serve, args=(client,), daemon=True).start()

    @abstractmethod
    def serve(self, client: socket.socket) -> None:
        """Relay (or answer) one client connection."""
