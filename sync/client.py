"""The client side of the protocol: signed requests to a hub, over ``requests``.

Used by stations (``station sync``) and by hubs forwarding upward.  Problems
come back as the SyncError they name, so callers handle a hub's answer the
same way as a local error.  A station's clock may be days wrong; the client
signs with the hub's time (learned from ``/v1/health``) so its requests stay
inside the hub's validity window.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
import json
import os
import random
import socket
import ssl
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from requests.structures import CaseInsensitiveDict

from sync import errors, httpsig, problems
from sync.chunks import CHUNK, DEPTH, PART, chunk_plan
from sync.errors import SyncError
from sync.problems import HubAnswered, HubBusy, HubUnreachable, UploadOffsetWrong

# A hub that is busy answers 429 (or 503) with Retry-After: wait that long (capped) plus
# random jitter growing with each attempt (so a crowd refused together comes back spread
# out), then send the same request again, at most BUSY_ATTEMPTS times in all.
BUSY_STATUSES = (429, 503)
BUSY_ATTEMPTS = 5
RETRY_AFTER_CAP = 60.0
JITTER = 2.0  # seconds at most per attempt so far, drawn at random

ReadAt = Callable[[int, int], bytes]  # (offset, length) -> bytes
Progress = Callable[[int, int], None]  # (bytes sent, bytes total)


def error_from_problem(body: Any, status: int) -> SyncError:
    """The SyncError a problem document names (HubAnswered when unknown)."""
    if isinstance(body, dict):
        name = body.get("title")
        cls = getattr(problems, str(name), None) or getattr(errors, str(name), None)
        if isinstance(cls, type) and issubclass(cls, SyncError):
            params = {k: v for k, v in body.items()
                      if k not in ("type", "title", "status", "detail", "instance")}
            error = cls(**params)
            try:
                str(error)
            except (KeyError, IndexError, ValueError):
                return HubAnswered(detail=str(body.get("detail", status)))
            error.problem = body  # type: ignore[attr-defined]
            return error
        return HubAnswered(detail=str(body.get("detail", status)))
    return HubAnswered(detail=f"HTTP {status}")


@dataclass
class PushResult:
    receipts: list[dict[str, str]]
    accepted: int
    duplicates: int
    gaps: list[dict[str, Any]]
    # Own events the hub kept without moving their case (it had moved on meanwhile).
    conflicts: list[dict[str, Any]] = field(default_factory=list)


def unreachable_reason(error: requests.RequestException) -> str:
    """Why a request did not get an answer, in words a village agent can act on (never
    the exception's class name)."""
    if isinstance(error, requests.exceptions.SSLError):
        return "枢纽站的安全证书不被本站信任，请在“同步”中导入县里提供的证书"
    if isinstance(error, requests.Timeout):
        return "等待答复超时，网络可能很慢"
    if isinstance(error, requests.ConnectionError):
        return "网络不通，或枢纽站没有开机"
    if isinstance(error, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return "地址写法不对"
    return "网络出错"


@dataclass
class Answer:
    """A hub's answer read off a pipelined connection (what ``retry_after`` reads of a
    ``requests.Response``)."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


def retry_after(response: requests.Response | Answer) -> float | None:
    """Seconds a busy hub asks us to wait (capped), or None when the answer is not
    "busy": a 429 ``busy`` problem, or a 429/503 that is no problem of the hub's own (a
    reverse proxy's).  The hub's other refusals (an enrolment burst, a full replay
    cache) are not helped by asking again soon and come back as their errors."""
    if response.status_code not in BUSY_STATUSES:
        return None
    try:
        kind = response.json().get("type")
    except (ValueError, AttributeError):
        kind = None
    ours = isinstance(kind, str) and kind.startswith(problems.PROBLEM_BASE)
    if ours and kind != problems.PROBLEM_BASE + problems.HubBusy.slug:
        return None
    try:
        seconds = float(response.headers.get("Retry-After", "1"))
    except ValueError:  # an HTTP date: not worth parsing, wait the least
        seconds = 1.0
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


class HubClient:
    def __init__(self, base_url: str, private_key: Ed25519PrivateKey, key_id: str,
                 timeout: float = 30.0, session_id: str | None = None,
                 ca_file: str | None = None) -> None:
        """``ca_file``: the county's CA certificate (PEM) that an https:// hub's TLS
        certificate must chain to; without it, the system's trusted CAs."""
        self.base = base_url.rstrip("/")
        self.key = private_key
        self.key_id = key_id
        self.timeout = timeout
        self.http = requests.Session()
        # Given on each request: requests lets REQUESTS_CA_BUNDLE override a session's own.
        self.verify: str | bool = ca_file or True
        self.session_id = session_id or uuid.uuid4().hex
        self.clock_offset = 0.0  # hub time minus ours
        self.bytes_sent = 0
        self.bytes_received = 0
        self.busy_attempts = BUSY_ATTEMPTS
        self.busy_waits = 0  # how often a busy hub made us wait
        self.whole_put = True  # False once the hub answered 405 to a one-request upload
        self.pipeline = True  # parts of an upload pipelined on one connection (upload)
        self.requests_made = 0

    # -- plumbing ------------------------------------------------------------

    def _request(self, method: str, path: str, body: bytes = b"",
                 headers: dict[str, str] | None = None, signed: bool = True,
                 params: dict[str, Any] | None = None,
                 allow: tuple[int, ...] = ()) -> requests.Response:
        url = self.base + path
        if params:
            url += "?" + "&".join(f"{k}={requests.utils.quote(str(v), safe='')}"
                                  for k, v in params.items())
        all_headers = {"Sync-Session": self.session_id, **(headers or {})}
        if body and "Content-Type" not in all_headers:
            all_headers["Content-Type"] = "application/json"
        attempt = 1
        while True:
            response = self._send(method, url, body, dict(all_headers), signed)
            wait = retry_after(response)
            if wait is None or attempt >= self.busy_attempts:
                break
            attempt += 1
            self.busy_waits += 1
            time.sleep(wait + random.uniform(0, JITTER * (attempt - 1)))
        if response.status_code >= 400 and response.status_code not in allow:
            try:
                problem = response.json()
            except ValueError:
                problem = None
            wait = retry_after(response)
            if wait is not None:
                raise HubBusy(retry_after=max(1, round(wait)))
            raise error_from_problem(problem, response.status_code)
        return response

    def _send(self, method: str, url: str, body: bytes, headers: dict[str, str],
              signed: bool) -> requests.Response:
        """One attempt, signed afresh (each signature carries its own nonce)."""
        if signed:
            headers.update(httpsig.sign_request(
                method, url, headers, body, self.key, self.key_id,
                created=int(time.time() + self.clock_offset)))
        try:
            response = self.http.request(method, url, data=body or None, headers=headers,
                                         timeout=self.timeout, verify=self.verify)
        except requests.RequestException as error:
            raise HubUnreachable(address=self.base, reason=unreachable_reason(error)) from None
        self.requests_made += 1
        self.bytes_sent += len(body)
        self.bytes_received += len(response.content)
        return response

    def _json(self, method: str, path: str, value: Any = None, **kw: Any) -> Any:
        body = json.dumps(value, ensure_ascii=False).encode("utf-8") if value is not None \
            else b""
        response = self._request(method, path, body, **kw)
        return response.json() if response.content else None

    # -- protocol ------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        before = time.time()
        value: dict[str, Any] = self._json("GET", "/v1/health", signed=False)
        after = time.time()
        self.clock_offset = float(value["time"]) - (before + after) / 2
        return value

    def hello(self, chain_pem: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("POST", "/v1/hello", {"chain": chain_pem})
        return result

    def certificates(self, chains: list[str]) -> list[str]:
        return list(self._json("POST", "/v1/certificates", {"chains": chains})["registered"])

    def directory(self) -> list[dict[str, Any]]:
        return list(self._json("GET", "/v1/directory")["entries"])

    def publish_directory(self, documents: list[dict[str, str]]) -> int:
        return int(self._json("POST", "/v1/directory", {"documents": documents})["stored"])

    def revocations(self) -> bytes | None:
        value = self._json("GET", "/v1/revocations")["list"]
        return base64.b64decode(value) if value else None

    def publish_revocations(self, data: bytes) -> int:
        return int(self._json("POST", "/v1/revocations",
                              {"list": base64.b64encode(data).decode()})["number"])

    def node_head(self, node: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", f"/v1/nodes/{node}")
        return result

    def node_events(self, node: str, after: int, limit: int = 200) -> dict[str, Any]:
        """The hub's copy of a node's own envelopes after seq ``after`` (raw bytes)."""
        result: dict[str, Any] = self._json(
            "GET", f"/v1/nodes/{node}/events?after={after}&limit={limit}")
        for item in result.get("events", []):
            item["raw"] = base64.b64decode(item["raw"])
        return result

    def upload(self, address: str, total: int, read_at: ReadAt,
               progress: Progress | None = None) -> int:
        """Upload a material, resuming where the hub stands; returns bytes sent.

        A material up to one chunk goes in one request (``PUT``, the whole body); a
        larger one is created (``POST``) and sent in parts (``PATCH``), so a cut costs
        at most one chunk.  The parts are pipelined on one connection (``pipeline``):
        up to ``DEPTH`` parts of ``PART`` bytes are sent before the first is answered,
        so the link never idles waiting for an answer, and what is sent and not yet
        answered is never more than ``CHUNK`` bytes; without pipelining (a proxy in
        the way), one ``CHUNK`` a request, each waiting for its answer.  A hub older
        than the one-request form answers 405 to ``PUT``: the client then uses POST
        and PATCH with it."""
        if total <= CHUNK and self.whole_put:
            data = read_at(0, total)
            response = self._request(
                "PUT", f"/v1/materials/{address}", data,
                headers={"Content-Type": "application/octet-stream"}, allow=(405,))
            if response.status_code != 405:
                if progress:
                    progress(total, total)
                return len(data)
            self.whole_put = False  # an older hub: chunks from now on
        state = self._json("POST", f"/v1/materials/{address}", {"total": total})
        if state["complete"]:
            return 0
        offset, sent = int(state["offset"]), 0
        busy = 0
        while offset < total:
            if self.pipeline and state.get("pipeline") is True and self._may_pipeline():
                run = self._pipelined(address, total, offset, read_at, progress)
                offset, sent = run.offset, sent + run.sent
                if run.wait is None:
                    busy = 0
                    continue
                busy += 1
                if busy >= self.busy_attempts:
                    raise HubBusy(retry_after=max(1, round(run.wait)))
                self.busy_waits += 1
                time.sleep(run.wait + random.uniform(0, JITTER * busy))
                continue
            for start, length in chunk_plan(total, offset, CHUNK):
                data = read_at(start, length)
                try:
                    response = self._request("PATCH", f"/v1/materials/{address}", data,
                                             headers=_part_headers(start, data))
                except UploadOffsetWrong as wrong:
                    offset = int(str(wrong.params["expected"]))
                    break
                sent += len(data)
                offset = int(response.headers.get("Upload-Offset", start + length))
                if progress:
                    progress(offset, total)
        return sent

    # -- pipelined parts -------------------------------------------------------------

    def _may_pipeline(self) -> bool:
        """False when requests would go through a proxy from the environment (the
        pipelined connection is made directly)."""
        return not requests.utils.get_environ_proxies(self.base)

    def _ca_file(self) -> str | None:
        """The CA file an https:// hub's certificate must chain to, as ``requests``
        picks it; None when verification is off (``verify`` False)."""
        if isinstance(self.verify, str):
            return self.verify
        if not self.verify:
            return None
        return (os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
                or requests.certs.where())

    def _pipelined(self, address: str, total: int, offset: int, read_at: ReadAt,
                   progress: Progress | None) -> _Run:
        """Send the parts from ``offset`` on one connection, up to ``DEPTH`` of them
        unanswered; the hub takes a connection's requests in order (HTTP/1.1), so each
        part finds the offset its predecessor left.  Ends at the end, or at the first
        refusal: the answers still due are read, and the hub's offset is the last one
        they name (409 names it too).  Problems other than "offset wrong" and "busy" are
        raised, as ``_request`` raises them; a connection that fails is HubUnreachable,
        unless some parts were answered on it (the caller then goes on from there)."""
        url = f"{self.base}/v1/materials/{address}"
        run = _Run(offset)
        plan = iter(chunk_plan(total, offset, PART))
        due: deque[tuple[int, int]] = deque()
        stop: SyncError | None = None
        answered = 0
        try:
            with _Pipe(url, self.timeout, self._ca_file()) as pipe:
                while True:
                    while stop is None and run.wait is None and len(due) < DEPTH \
                            and (part := next(plan, None)) is not None:
                        start, length = part
                        data = read_at(start, length)
                        headers = {"Sync-Session": self.session_id,
                                   **_part_headers(start, data)}
                        headers.update(httpsig.sign_request(
                            "PATCH", url, headers, data, self.key, self.key_id,
                            created=int(time.time() + self.clock_offset)))
                        pipe.send("PATCH", headers, data)
                        self.requests_made += 1
                        self.bytes_sent += len(data)
                        run.sent += len(data)
                        due.append(part)
                    if not due:
                        break
                    start, length = due.popleft()
                    answer = pipe.answer("PATCH")
                    answered += 1

                    self.bytes_received += len(answer.content)
                    if answer.headers.get("Connection", "").lower() == "close":
                        self.pipeline = False  # the parts behind this answer are lost
                    if answer.status_code < 400:
                        run.offset = int(answer.headers.get("Upload-Offset", start + length))
                        if progress:
                            progress(run.offset, total)
                        continue
                    wait = retry_after(answer)
                    if wait is not None:
                        run.wait = run.wait if run.wait is not None else wait
                        continue
                    try:
                        problem = answer.json()
                    except ValueError:
                        problem = None
                    error = error_from_problem(problem, answer.status_code)
                    if isinstance(error, UploadOffsetWrong):
                        run.offset = int(str(error.params["expected"]))
                        stop = stop or error
                        continue
                    raise error
        except (OSError, http.client.HTTPException) as error:
            if answered == 0:
                raise HubUnreachable(address=self.base,
                                     reason=unreachable_reason(_as_requests_error(error))) \
                    from None
            run.wait = None  # go on from the last answer, on a new connection
        return run

    def material_status(self, address: str) -> dict[str, Any] | None:
        try:
            result: dict[str, Any] = self._json("GET", f"/v1/materials/{address}")
        except problems.NotFound:
            return None
        return result

    def read_material(self, address: str, total: int) -> bytes:
        out = bytearray()
        while len(out) < total:
            response = self._request("GET", f"/v1/materials/{address}/data",
                                     params={"offset": len(out), "length": CHUNK})
            if not response.content:
                break
            out += response.content
        return bytes(out)

    def push(self, raws: Iterable[bytes]) -> PushResult:
        value = self._json("POST", "/v1/events",
                           {"events": [base64.b64encode(r).decode() for r in raws]})
        return PushResult(value["receipts"], value["accepted"], value["duplicates"],
                          value["gaps"], list(value.get("conflicts") or []))

    def pull(self, after: int, limit: int = 200) -> tuple[list[tuple[int, bytes]], int, str]:
        """Events after log index ``after``, the next cursor, and the hub's log id (a
        cursor counts in one log: when the id changes, the hub was restored)."""
        value = self._json("GET", "/v1/events", params={"after": after, "limit": limit})
        events = [(int(e["index"]), base64.b64decode(e["raw"])) for e in value["events"]]
        return events, int(value["cursor"]), str(value.get("log") or "")

    def queue(self, office: str | None = None) -> list[dict[str, Any]]:
        params = {"office": office} if office else None
        return list(self._json("GET", "/v1/queue", params=params)["cases"])

    def claim(self, case_no: str, user: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("POST", "/v1/claims",
                                            {"case_no": case_no, "user": user})
        return result

    def release(self, case_no: str, user: str) -> None:
        self._request("DELETE", f"/v1/claims/{case_no}", params={"user": user})

    def report_proofs(self, receipts: list[dict[str, str]]) -> int:
        return int(self._json("POST", "/v1/proofs", {"receipts": receipts})["stored"])

    def sessions(self, peer: str | None = None) -> list[dict[str, Any]]:
        params = {"peer": peer} if peer else None
        return list(self._json("GET", "/v1/sessions", params=params)["sessions"])

    # -- enrolment over the protocol (sync/hub/enrolments.py) ---------------------

    def publish_grants(self, grants: list[dict[str, str]]) -> int:
        return int(self._json("POST", "/v1/enrolment/grants", {"grants": grants})["stored"])

    def enrolment_grants(self) -> list[dict[str, str]]:
        return list(self._json("GET", "/v1/enrolment/grants")["grants"])

    def submit_enrolment(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send a new node's request (signed with the key it asks to have certified)."""
        result: dict[str, Any] = self._json("POST", "/v1/enrolment/requests",
                                            {"request": request})
        return result

    def enrolment_requests(self) -> list[dict[str, Any]]:
        """The pending requests the caller approves."""
        return list(self._json("GET", "/v1/enrolment/requests")["requests"])

    def enrolment_state(self, node: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", f"/v1/enrolment/requests/{node}")
        return result

    def approve_enrolment(self, certificates: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._json("POST", "/v1/enrolment/approvals",
                                            {"certificates": certificates})
        return result

    def refuse_enrolment(self, refusal: dict[str, str]) -> dict[str, Any]:
        """Post the approver's signed refusal of a pending request."""
        result: dict[str, Any] = self._json("POST", "/v1/enrolment/refusals",
                                            {"refusal": refusal})
        return result

    # -- catalogue and calendar updates (sync/updates.py) ---------------------------

    def update_versions(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self._json("GET", "/v1/updates")["versions"].items()}

    def update(self, kind: str) -> dict[str, Any]:
        """The newest update of ``kind`` the hub holds: {"update", "chain"}."""
        value = self._json("GET", f"/v1/updates/{kind}")
        return {"update": value["update"], "chain": value["chain"]}

    def publish_update(self, kind: str, published: dict[str, Any]) -> int:
        return int(self._json("POST", f"/v1/updates/{kind}", published)["version"])


# -- pipelined parts: one raw HTTP/1.1 connection ------------------------------------------


def _part_headers(start: int, data: bytes) -> dict[str, str]:
    checksum = base64.b64encode(hashlib.sha256(data).digest()).decode()
    return {"Content-Type": "application/offset+octet-stream", "Upload-Offset": str(start),
            "Upload-Checksum": f"sha256 {checksum}"}


@dataclass
class _Run:
    offset: int  # the hub's offset, as its last answer named it
    sent: int = 0
    wait: float | None = None  # the hub was busy: wait this long before going on


class _Reader(io.BufferedReader):
    """One buffer over the connection for every answer read off it: bytes read ahead
    belong to the next answer (``http.client`` closes the file after each answer)."""

    def close(self) -> None:
        pass


class _Pipe:
    """A connection on which requests are written without waiting for the answers, and
    the answers read back in order (HTTP/1.1 pipelining, RFC 9112 §9.3.2)."""

    def __init__(self, url: str, timeout: float, ca_file: str | None) -> None:
        parts = urlsplit(url)
        self.path = parts.path
        self.authority = parts.netloc.rpartition("@")[2]
        secure = parts.scheme == "https"
        host = parts.hostname or ""
        sock = socket.create_connection((host, parts.port or (443 if secure else 80)),
                                        timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if secure:
                context = ssl.create_default_context(cafile=ca_file)
                if ca_file is None:  # verification off, as the caller asked
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
                sock = context.wrap_socket(sock, server_hostname=host)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        self.reader = _Reader(socket.SocketIO(sock, "rb"))

    def __enter__(self) -> _Pipe:
        return self

    def __exit__(self, *exc: object) -> None:
        io.BufferedReader.close(self.reader)
        self.sock.close()

    def makefile(self, mode: str) -> _Reader:  # what http.client.HTTPResponse reads
        return self.reader

    def send(self, method: str, headers: Mapping[str, str], body: bytes) -> None:
        lines = [f"{method} {self.path} HTTP/1.1", f"Host: {self.authority}",
                 f"Content-Length: {len(body)}", "User-Agent: bianmin-station",
                 *(f"{name}: {value}" for name, value in headers.items())]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def answer(self, method: str) -> Answer:
        response = http.client.HTTPResponse(self, method=method)  # type: ignore[arg-type]
        response.begin()
        content = response.read()
        return Answer(response.status, CaseInsensitiveDict(response.getheaders()), content)


def _as_requests_error(error: Exception) -> requests.RequestException:
    """The ``requests`` error a connection problem would have been, for its reason."""
    if isinstance(error, ssl.SSLError):
        return requests.exceptions.SSLError(str(error))
    if isinstance(error, TimeoutError | socket.timeout):
        return requests.Timeout(str(error))
    return requests.ConnectionError(str(error))
