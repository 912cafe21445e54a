"""The public progress page's HTTP face (``station progress serve``).

Read-only, no login, no JavaScript.  What each page says is the caller's
(``Pages``); this module only routes, limits and sets the headers::

    GET /                      a form: case number and check code
    GET /p?n={case_no}&c={code} the form's answer, as below
    GET /p/{case_no}?c={code}   the case's page (200), or the unknown-case page (404)
                                for an unknown case and for a wrong code alike
    anything else               the unknown-case page (404)

Every request counts against its client address (the peer's, or behind a
trusted reverse proxy the one it forwards): more than ``limit`` in ``window``
seconds gets 429 with a page saying when to try again.  Pages are
never cached (the address holds the check code) and never sent as a referrer.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import falcon

# falcon and waitress are imported where the site is made and served, so that
# reading LIMIT (``station progress serve``'s default) loads no web framework.

LIMIT = 120  # lookups per address per window: far beyond a person, far below a walk
WINDOW = 60.0
_MAX_ADDRESSES = 10_000  # forget idle addresses beyond this many
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; base-uri 'none'",
}


class Pages(Protocol):
    """The HTML of each page, in the reader's language."""

    def case(self, case_no: str, code: str) -> str | None:
        """The case's page, or None when the case is unknown or the code is wrong."""

    def unknown(self) -> str: ...

    def form(self) -> str: ...

    def throttled(self, seconds: int) -> str: ...


class AddressLimit:
    """At most ``limit`` requests per ``window`` seconds from one address (sliding)."""

    def __init__(self, limit: int = LIMIT, window: float = WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, address: str) -> int:
        """0 and the request counted, or the whole seconds to wait before the next."""
        now = self.clock()
        with self._lock:
            if len(self._seen) > _MAX_ADDRESSES:
                self._forget(now)
            stamps = self._seen.setdefault(address, deque())
            while stamps and stamps[0] <= now - self.window:
                stamps.popleft()
            if len(stamps) >= self.limit:
                return max(1, math.ceil(stamps[0] + self.window - now))
            stamps.append(now)
            return 0

    def _forget(self, now: float) -> None:
        for address in [a for a, s in self._seen.items() if not s or s[-1] <= now - self.window]:
            del self._seen[address]


class _Site:
    def __init__(self, pages: Pages, limit: AddressLimit) -> None:
        self.pages, self.limit = pages, limit

    def _send(self, resp: falcon.Response, status: int, html: str) -> None:
        resp.status = status
        resp.content_type = "text/html; charset=utf-8"
        resp.set_headers(_HEADERS)
        resp.text = html

    def _allowed(self, req: falcon.Request, resp: falcon.Response) -> bool:
        seconds = self.limit.wait(req.remote_addr or "")
        if seconds:
            self._send(resp, 429, self.pages.throttled(seconds))
            resp.set_header("Retry-After", str(seconds))
            return False
        return True

    def _case(self, resp: falcon.Response, case_no: str, code: str) -> None:
        html = self.pages.case(case_no.strip(), code) if case_no.strip() and code else None
        if html is None:
            self._send(resp, 404, self.pages.unknown())
        else:
            self._send(resp, 200, html)

    def on_get_form(self, req: falcon.Request, resp: falcon.Response) -> None:
        if self._allowed(req, resp):
            self._send(resp, 200, self.pages.form())

    def on_get_query(self, req: falcon.Request, resp: falcon.Response) -> None:
        if self._allowed(req, resp):
            self._case(resp, req.get_param("n") or "", req.get_param("c") or "")

    def on_get_case(self, req: falcon.Request, resp: falcon.Response, case_no: str) -> None:
        if self._allowed(req, resp):
            self._case(resp, case_no, req.get_param("c") or "")

    def sink(self, req: falcon.Request, resp: falcon.Response, **_: Any) -> None:
        if self._allowed(req, resp):
            self._send(resp, 404, self.pages.unknown())


def create_app(pages: Pages, limit: AddressLimit | None = None) -> falcon.App:
    import falcon

    site = _Site(pages, limit or AddressLimit())
    app = falcon.App(media_type="text/html; charset=utf-8")
    app.add_route("/", site, suffix="form")
    app.add_route("/p", site, suffix="query")
    app.add_route("/p/{case_no}", site, suffix="case")
    app.add_sink(site.sink, "/")
    return app


def bind(pages: Pages, host: str, port: int, limit: AddressLimit | None = None,
         trusted_proxy: str | None = None, threads: int = 4) -> tuple[Any, str]:
    """The server (call ``.run()``) and the address it listens on.

    Behind a reverse proxy (``trusted_proxy``: its address), the client address is the
    last one the proxy adds to ``X-Forwarded-For``; from anyone else that header is
    dropped, so a client cannot pick the address it is counted under."""
    from waitress import create_server

    proxy: dict[str, Any] = {}
    if trusted_proxy:
        proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_count": 1,
                 "trusted_proxy_headers": {"x-forwarded-for"}}
    server: Any = create_server(create_app(pages, limit), host=host, port=port,
                                threads=threads, channel_timeout=30,
                                clear_untrusted_proxy_headers=True, **proxy)
    return server, f"http://{host}:{server.effective_port}"
