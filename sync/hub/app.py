"""The hub's HTTP face: Falcon resources over HubService.

Every request but ``/v1/health``, ``/v1/openapi.json`` and ``/metrics`` (read
only from the addresses the operator allows: ``sync/hub/metrics.py``) is an RFC 9421
signed request (sync/httpsig.py); the signer's key id is its node code, and
its key is the one in the certificate chain it registered with ``/v1/hello``
(verified up to the county root, checked against the revocation list).
Errors are RFC 9457 problem documents.  Bodies are read with a hard limit
before anything is parsed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import threading
import time
from importlib import resources
from typing import Any

import falcon
import peewee

from keys.errors import BadSignature, KeysError
from sync import boundedjson, httpsig, storage
from sync.errors import SignatureInvalid, SyncError
from sync.hub import scope
from sync.hub.admission import RESERVE, Admission
from sync.hub.blobs import BlobStoreUnavailable
from sync.hub.enrolments import MAX_REQUEST, parse_request
from sync.hub.identity import log_id
from sync.hub.ledger import Ledger
from sync.hub.metrics import CONTENT_TYPE, HubMetrics
from sync.hub.scope import Rule
from sync.hub.service import HubService
from sync.problems import (
    MEDIA_TYPE,
    MaterialStoreUnavailable,
    MetricsNotPermitted,
    NodeNotEnrolled,
    NotFound,
    ReadNotPermitted,
    RequestMalformed,
    RequestTooLarge,
    StorageRefused,
    TooManyUnproven,
    UploadTooLarge,
    WrongAuthority,
    problem,
)

log = logging.getLogger("bianmin.hub")
MAX_JSON = 16 << 20
MAX_CHUNK_BODY = (1 << 20) + 1024
MAX_INDEX = (1 << 63) - 1  # the largest SQL INTEGER: a larger cursor is a 400, never a 500
METRICS = "/metrics"
UNSIGNED = ("/v1/health", "/v1/openapi.json", METRICS)
# What a refused reader was asking for, as the problem's message names it.
_HUB_READS = {"/v1/queue": "本枢纽站的待办队列", "/v1/sessions": "本枢纽站的同步记录"}
HELLO = "/v1/hello"
ENROLMENT_REQUESTS = "/v1/enrolment/requests"
MATERIAL_STATUS = "/v1/materials/{address}"


def _json(req: falcon.Request) -> Any:
    """The body's JSON value, its depth and size bounded before it is parsed."""
    if not hasattr(req.context, "json"):
        req.context.json = boundedjson.loads(req.context.body)
    return req.context.json


def _sent_url(req: falcon.Request) -> str:
    """The URL as the client sent and signed it.  Falcon's ``req.url`` is rebuilt from
    the percent-decoded path, so a signed path with escapes (``%2C``, non-ASCII) would
    not verify; waitress keeps the request target as it came (``REQUEST_URI``)."""
    target = req.env.get("REQUEST_URI")
    if isinstance(target, str) and target.startswith("/"):
        return f"{req.scheme}://{req.netloc}{target}"
    return req.url


def _field(value: Any, name: str, kind: type) -> Any:
    if not isinstance(value, dict) or not isinstance(value.get(name), kind) \
            or (isinstance(value.get(name), bool) and kind is int):
        raise RequestMalformed(reason=f"缺少或错误的字段 {name}")
    return value[name]


def _b64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise RequestMalformed(reason="应为 base64 文字")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise RequestMalformed(reason="base64 编码不正确") from None


# Requests whose key the hub does not already trust (a node enrolling signs with the key
# it asks to have certified): at most UNPROVEN_BURST at once per source address, then one
# more every UNPROVEN_EVERY seconds; beyond that 429 with Retry-After.
UNPROVEN_BURST = 60
UNPROVEN_EVERY = 10.0
UNPROVEN_ADDRESSES = 10_000  # addresses remembered at most


class UnprovenBudget:
    """A token bucket per source address for requests signed with a key nobody vouches
    for, so that the work (and the replay records) they cost stay bounded."""

    def __init__(self, burst: int = UNPROVEN_BURST, every: float = UNPROVEN_EVERY) -> None:
        self.burst, self.every = burst, every
        self._buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, address: str, now: float) -> None:
        """Spend one token of ``address``; TooManyUnproven (429) if it has none."""
        with self._lock:
            tokens, at = self._buckets.get(address, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) / self.every)
            if tokens < 1:
                self._buckets[address] = (tokens, now)
                raise TooManyUnproven(address=address,
                                      retry_after=max(1, int((1 - tokens) * self.every) + 1))
            if address not in self._buckets and len(self._buckets) >= UNPROVEN_ADDRESSES:
                self._forget_full(now)
                if len(self._buckets) >= UNPROVEN_ADDRESSES:
                    raise TooManyUnproven(address=address, retry_after=int(self.every) + 1)
            self._buckets[address] = (tokens - 1, now)

    def _forget_full(self, now: float) -> None:
        for address, (tokens, at) in list(self._buckets.items()):
            if tokens + (now - at) / self.every >= self.burst:
                del self._buckets[address]


class _Nonces:
    """The hub's replay memory as one request sees it: a request signed with a key the
    hub does not already trust for its key id (an enrolling node's own key) is recorded
    under that key's fingerprint, never under the node code it claims.  A nonce not
    held yet is written with the request's first write, or when it is answered
    (``sync.hub.ledger``): the database's key decides between two racing copies."""

    def __init__(self, ledger: Ledger, req: falcon.Request) -> None:
        self.ledger, self.req = ledger, req

    def seen(self, key_id: str, nonce: str, expires: int, now: int) -> bool:
        key = getattr(self.req.context, "unproven_key", None)
        if key is not None:
            key_id = "key:" + hashlib.sha256(key.public_bytes_raw()).hexdigest()[:32]
        return self.ledger.check(key_id, nonce, expires, now)


class Auth:
    """Read the body with a limit, then verify the request signature."""

    def __init__(self, hub: HubService, metrics: HubMetrics, admission: Admission) -> None:
        self.hub = hub
        self.metrics = metrics
        self.admission = admission
        self.unproven = UnprovenBudget()

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.started = time.monotonic()
        req.context.peer = None
        req.context.enrolling = False
        if req.path not in UNSIGNED:  # health and metrics are never refused
            try:
                self.admission.enter()
            except SyncError:
                self.metrics.busy_refused.inc()
                raise
            req.context.admitted = True
        limit = MAX_CHUNK_BODY if req.method in ("PATCH", "PUT") else MAX_JSON
        if req.path.startswith(ENROLMENT_REQUESTS):  # may come from a node nobody knows yet
            limit = MAX_REQUEST
        length = req.content_length or 0
        if length > limit:
            raise self._too_large(req, limit)
        req.context.body = req.bounded_stream.read(limit + 1) if length else b""
        if len(req.context.body) > limit:
            raise self._too_large(req, limit)
        if req.path in UNSIGNED:
            return
        self._check_authority(req)
        resolve = self._resolve
        chain = None
        if req.path.startswith(ENROLMENT_REQUESTS):
            resolve = self._enrolment_resolver(req, resolve)
        identity = None
        if req.path == HELLO:  # the key comes with the request: check it before storing it
            chain = _field(_json(req), "chain", str)
            identity = self.hub.verify_chain(chain)

            def resolve(key_id: str) -> Any:
                if key_id != identity.code:
                    raise KeyError(key_id)
                return identity.public_key
        headers = {k: v for k, v in req.headers.items()}
        req.context.peer = httpsig.verify_request(
            req.method, _sent_url(req), headers, req.context.body, resolve,
            now=int(time.time()), nonces=_Nonces(self.hub.ledger, req))
        if chain is not None:
            self.hub.register_chain(chain, presented=True, identity=identity)

    def process_resource(self, req: falcon.Request, resp: falcon.Response, resource: Any,
                         params: dict[str, Any]) -> None:
        """Who may call this route (``sync.hub.scope``): the one place reads are scoped.
        A route the hub serves with no rule is refused, never open by default."""
        if resource is None or not hasattr(resource, "on_" + req.method.lower()):
            return  # Falcon answers 404 / 405 itself
        rule = scope.rule_of(req.method, req.uri_template or "")
        peer = str(req.context.peer or "")
        if rule is None:
            raise ReadNotPermitted(node=peer or "?", what=req.path[:80])
        if rule is Rule.OPERATOR and not self.metrics.permits(req.remote_addr):
            raise MetricsNotPermitted(address=str(req.remote_addr or "?")[:60])
        if rule is Rule.NODE and not scope.may_read_node(peer, params.get("node", "")):
            raise ReadNotPermitted(node=peer, what=f"站点 {params.get('node', '')[:12]} 的同步进度")
        if rule is Rule.HUB and not scope.may_read_hub(peer, self.hub.me.code):
            raise ReadNotPermitted(node=peer, what=_HUB_READS.get(req.uri_template or "", ""))
        if rule is Rule.LINE:
            node = req.get_param("node")
            if node is not None and not scope.on_line(peer, node):
                raise ReadNotPermitted(node=peer, what=f"站点 {node[:12]} 的目录条目")
        if rule is Rule.MATERIAL:
            if req.method == "GET" and req.uri_template == MATERIAL_STATUS:
                # Asked before every upload; "not here yet" (404) is the usual answer,
                # not a failure of the sync session (the audit's 同步日志 showed each as
                # an error).
                req.context.expected_answer = True  # (a refusal is still logged)
            self.hub.check_material_reader(peer, params.get("address", ""))

    def _check_authority(self, req: falcon.Request) -> None:
        """The signature covers ``@authority``, the Host the client sent; it must be
        one of this hub's public names, or a request signed for another hub (sent here
        with that hub's Host) would pass.  Checked before the signature, so nothing
        about a misdirected request is stored."""
        names = self.hub.public_names
        if not names:
            return
        authority = req.netloc.lower()
        if authority not in names:
            raise WrongAuthority(authority=authority, names="、".join(sorted(names)))

    def _resolve(self, key_id: str) -> Any:
        try:
            return self.hub.public_key(key_id)
        except NodeNotEnrolled:
            raise KeyError(key_id) from None

    @staticmethod
    def _too_large(req: falcon.Request, limit: int) -> SyncError:
        if req.path.startswith(ENROLMENT_REQUESTS):
            return RequestTooLarge(limit=limit)
        return UploadTooLarge(address=req.path, limit=limit)

    def _enrolment_resolver(self, req: falcon.Request, registered: Any) -> Any:
        """A node being enrolled signs with the key it asks to have certified: the one in
        the request it sends, or in the request the hub holds for it.  Anyone else
        (a hub relaying, an approver) signs with its registered key.  Requests signed
        with such a key are not entered in the sync log under that node's code: nothing
        proves yet that they come from it."""
        request = None
        if req.method == "POST" and req.path == ENROLMENT_REQUESTS:
            request = parse_request(_field(_json(req), "request", dict))
            node = request.node
        elif req.path.startswith(ENROLMENT_REQUESTS + "/"):
            node = req.path.rsplit("/", 1)[-1]
        else:
            return registered

        def resolve(key_id: str) -> Any:
            if key_id != node:
                return registered(key_id)
            self.unproven.take(str(req.remote_addr or ""), time.monotonic())
            if request is not None:
                key = request.signing_key
            else:
                try:
                    key = self.hub.enrolments.key_of(node)
                except KeyError:
                    return registered(key_id)
            req.context.enrolling = True
            req.context.unproven_key = key
            return key
        return resolve

    def process_response(self, req: falcon.Request, resp: falcon.Response, resource: Any,
                         req_succeeded: bool) -> None:
        try:
            self._answered(req, resp)
        finally:
            if getattr(req.context, "admitted", False):
                req.context.admitted = False
                self.admission.leave()

    def _answered(self, req: falcon.Request, resp: falcon.Response) -> None:
        try:
            self._book(req, resp)
        finally:
            self._count(req, resp)

    def _book(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The request's bookkeeping (``sync.hub.ledger``): its nonce (unless its first
        write recorded it), its sync-log row and last_seen, in the request's transaction,
        committed now, before the answer leaves.  A copy of the request that recorded the
        nonce first turns this answer into RequestReplayed; a commit the database
        refuses turns it into that error (nothing the handler wrote was kept)."""
        ledger = self.hub.ledger
        entry = ledger.current()
        if entry is None:
            return
        try:
            ledger.open(entry)
            peer = getattr(req.context, "peer", None)
            session = req.get_header("Sync-Session")
            if peer and session and not getattr(req.context, "enrolling", False):
                counts = getattr(req.context, "counts", {})
                error = getattr(req.context, "error", None)
                try:
                    self.hub.log_session(session, peer, bytes_in=len(req.context.body),
                                         bytes_out=len(resp.data or b""), error=error,
                                         **counts)
                except Exception:  # the log must never break an answer already made
                    log.exception("could not log a sync session")
            ledger.commit(entry)
        except SyncError as error:  # RequestReplayed: another copy came first
            req.context.peer = None
            handle_sync_error(req, resp, error, {})
        except peewee.DatabaseError as error:
            answer_database_error(req, resp, error)
        finally:
            ledger.close()

    def _count(self, req: falcon.Request, resp: falcon.Response) -> None:
        counts = getattr(req.context, "counts", {})
        try:
            self.metrics.record(req.method, req.uri_template, resp.status_code,
                                len(getattr(req.context, "body", b"")), len(resp.data or b""),
                                counts.get("events_in", 0), counts.get("events_out", 0))
        except Exception:  # counting must never break an answer already made
            log.exception("could not count a request")


def handle_sync_error(req: falcon.Request, resp: falcon.Response, error: Exception,
                      params: dict[str, Any]) -> None:
    if isinstance(error, BadSignature):
        error = httpsig_invalid(req, error)
    elif isinstance(error, KeysError):
        error = RequestMalformed(reason=str(error))
    assert isinstance(error, SyncError)
    body = problem(error, instance=req.path)
    if not (isinstance(error, NotFound) and getattr(req.context, "expected_answer", False)):
        req.context.error = body["detail"]
    resp.status = falcon.code_to_http_status(body["status"])
    resp.content_type = MEDIA_TYPE
    resp.data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    if isinstance(body.get("retry_after"), int):
        resp.set_header("Retry-After", str(body["retry_after"]))
    log.info("%s %s -> %s %s", req.method, req.path, body["status"], body["type"])


def answer_database_error(req: falcon.Request, resp: falcon.Response,
                          error: Exception) -> None:
    """``handle_database_error`` where no exception may be raised (the answer is being
    finished): the 500 is written into ``resp``."""
    try:
        handle_database_error(req, resp, error, {})
    except falcon.HTTPError as http_error:
        handle_falcon_error(req, resp, http_error, {})


def handle_database_error(req: falcon.Request, resp: falcon.Response, error: Exception,
                          params: dict[str, Any]) -> None:
    """A write the disk refused (full, read-only): 507 in plain words, one log line, and
    the hub stays up; the transaction was rolled back, so nothing changed.  Any other
    database error is a fault of the hub (500, logged with its traceback)."""
    reason = storage.refuses_writes(error)
    if reason is None:
        log.exception("database error on %s %s", req.method, req.path)
        raise falcon.HTTPInternalServerError()
    log.error("the disk refused a write (%s) on %s %s: nothing was stored", reason,
              req.method, req.path)
    handle_sync_error(req, resp, StorageRefused(), params)


def handle_blob_store_error(req: falcon.Request, resp: falcon.Response, error: Exception,
                            params: dict[str, Any]) -> None:
    """The material store cannot take or give bytes now (full, read-only, unreachable):
    503 "try again later", one log line; the database was not changed."""
    assert isinstance(error, BlobStoreUnavailable)
    log.error("the material store refused (%s) on %s %s: nothing was stored", error.reason,
              req.method, req.path)
    handle_sync_error(req, resp, MaterialStoreUnavailable(), params)


def httpsig_invalid(req: falcon.Request, error: Exception) -> SyncError:
    return SignatureInvalid(key_id=str(error)[:60])


def handle_falcon_error(req: falcon.Request, resp: falcon.Response, error: Exception,
                        params: dict[str, Any]) -> None:
    assert isinstance(error, falcon.HTTPError)
    status = int(str(error.status).split()[0]) if not isinstance(error.status, int) \
        else error.status
    body = {"type": "about:blank", "title": error.title, "status": status,
            "detail": error.description or error.title}
    resp.status = error.status
    resp.content_type = MEDIA_TYPE
    resp.data = json.dumps(body, ensure_ascii=False).encode("utf-8")


def _send(resp: falcon.Response, value: Any, status: int = 200) -> None:
    resp.status = falcon.code_to_http_status(status)
    resp.content_type = falcon.MEDIA_JSON
    resp.data = json.dumps(value, ensure_ascii=False).encode("utf-8")


class Health:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _send(resp, {"node": self.hub.me.code, "tier": self.hub.me.tier,
                     "name": self.hub.me.name, "time": int(time.time())})


class OpenApi:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_JSON
        resp.data = resources.files("sync.hub").joinpath("openapi.json").read_bytes()


class Metrics:
    """Prometheus text; who may read it was decided in ``Auth.process_resource``."""

    def __init__(self, metrics: HubMetrics) -> None:
        self.metrics = metrics

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = CONTENT_TYPE
        resp.data = self.metrics.render()


class Hello:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        _send(resp, {"node": self.hub.me.code, "tier": self.hub.me.tier,
                     "name": self.hub.me.name, "chain": self.hub.me.chain_pem,
                     "peer": req.context.peer})


class Certificates:
    """A hub below forwards its subtree's certificate chains before their events."""

    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        chains = _field(_json(req), "chains", list)
        registered, refused = [], 0
        for chain in chains:
            if not isinstance(chain, str):
                raise RequestMalformed(reason="证书链应为 PEM 文字")
            try:
                registered.append(self.hub.register_chain(chain))
            except SyncError:  # e.g. revoked since: that node alone is not admitted
                refused += 1
        _send(resp, {"registered": registered, "refused": refused})


class Directory:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _send(resp, {"entries": self.hub.directory(req.context.peer, req.get_param("node"))})

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        documents = _field(_json(req), "documents", list)
        _send(resp, {"stored": self.hub.store_directory(documents, req.context.peer)})


class Revocations:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.hub.revocation_bytes()
        _send(resp, {"list": base64.b64encode(data).decode() if data else None})

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """A list signed by the county root: self-authenticating, so any node relays it."""
        kept = self.hub.install_revocations(_b64(_field(_json(req), "list", str)))
        _send(resp, {"number": kept.number})


class Material:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_get(self, req: falcon.Request, resp: falcon.Response, address: str) -> None:
        blob = self.hub.upload_status(address)
        if blob is None:
            raise NotFound(what=f"材料 {address}")
        resp.set_header("Upload-Offset", str(blob.received))
        resp.set_header("Upload-Length", str(blob.total))
        _send(resp, {"address": address, "offset": blob.received, "total": blob.total,
                     "complete": blob.complete})

    def on_post(self, req: falcon.Request, resp: falcon.Response, address: str) -> None:
        total = _field(_json(req), "total", int)
        blob = self.hub.upload_create(address, total, req.context.peer)
        resp.set_header("Upload-Offset", str(blob.received))
        # "pipeline": this hub answers each PATCH on a connection it keeps open, so a
        # client may send the next parts before the answers (sync/client.py upload).
        _send(resp, {"address": address, "offset": blob.received, "total": blob.total,
                     "complete": blob.complete, "pipeline": True}, 201)

    def on_patch(self, req: falcon.Request, resp: falcon.Response, address: str) -> None:
        offset_text = req.get_header("Upload-Offset") or ""
        checksum = req.get_header("Upload-Checksum") or ""
        if not offset_text.isdigit():
            raise RequestMalformed(reason="缺少 Upload-Offset 头")
        algorithm, _, value = checksum.partition(" ")
        if algorithm != "sha256":
            raise RequestMalformed(reason="缺少 Upload-Checksum: sha256 头")
        digest = _b64(value).hex()
        blob = self.hub.upload_chunk(address, int(offset_text), req.context.body, digest)
        req.context.counts = {"blobs_in": 1 if blob.complete else 0, "direction": "up"}
        resp.set_header("Upload-Offset", str(blob.received))
        # 200 with a body, not 204: an answer without Content-Length makes waitress
        # close the connection, and pipelined parts behind it would be lost.
        _send(resp, {"address": address, "offset": blob.received, "total": blob.total,
                     "complete": blob.complete})

    def on_put(self, req: falcon.Request, resp: falcon.Response, address: str) -> None:
        """A whole material (up to one chunk) in one request: 201 stored, 200 held already."""
        if (req.content_type or "").split(";")[0].strip() != "application/octet-stream":
            raise RequestMalformed(reason="应为 Content-Type: application/octet-stream")
        blob, created = self.hub.upload_whole(address, req.context.body, req.context.peer)
        req.context.counts = {"blobs_in": 1 if created else 0, "direction": "up"}
        resp.set_header("Upload-Offset", str(blob.received))
        _send(resp, {"address": address, "offset": blob.received, "total": blob.total,
                     "complete": blob.complete}, 201 if created else 200)


class MaterialData:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_get(self, req: falcon.Request, resp: falcon.Response, address: str) -> None:
        start = req.get_param_as_int("offset", min_value=0) or 0
        length = req.get_param_as_int("length", min_value=1, max_value=1 << 22) or (1 << 20)
        resp.content_type = "application/octet-stream"
        resp.data = self.hub.read_material(address, start, length)


class Events:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        raws = [_b64(item) for item in _field(_json(req), "events", list)]
        answer = self.hub.push(raws, req.context.peer)
        req.context.counts = {"events_in": answer.accepted, "direction": "up"}
        _send(resp, {"receipts": answer.receipts, "accepted": answer.accepted,
                     "duplicates": answer.duplicates,
                     "gaps": [{"node": g.node, "high_water": g.high_water}
                              for g in answer.gaps],
                     "conflicts": answer.conflicts})

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        after = req.get_param_as_int("after", min_value=0, max_value=MAX_INDEX) or 0
        limit = req.get_param_as_int("limit", min_value=1, max_value=500) or 200
        events, cursor = self.hub.pull(req.context.peer, after, limit)
        req.context.counts = {"events_out": len(events), "direction": "down"}
        _send(resp, {"events": [{"index": e.id, "raw": base64.b64encode(bytes(e.envelope)).decode()}
                                for e in events], "cursor": cursor, "log": log_id()})


class NodeHead:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_get(self, req: falcon.Request, resp: falcon.Response, node: str) -> None:
        _send(resp, self.hub.node_head(node))


class NodeEvents:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_get(self, req: falcon.Request, resp: falcon.Response, node: str) -> None:
        after = req.get_param_as_int("after", min_value=0, max_value=MAX_INDEX) or 0
        limit = req.get_param_as_int("limit", min_value=1, max_value=500) or 200
        events = self.hub.node_events(node, after, limit)
        req.context.counts = {"events_out": len(events), "direction": "down"}
        _send(resp, {"node": node, "high_water": self.hub.high_water(node),
                     "events": [{"seq": e.seq, "raw": base64.b64encode(bytes(e.envelope)).decode()}
                                for e in events]})


class Queue:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _send(resp, {"cases": self.hub.queue(req.get_param("office"))})


class Claims:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        value = _json(req)
        case_no, user = _field(value, "case_no", str), _field(value, "user", str)
        _send(resp, self.hub.claim(case_no, f"{req.context.peer}/{user}"), 201)


class Proofs:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        documents = _field(_json(req), "receipts", list)
        _send(resp, {"stored": self.hub.store_proofs(documents, req.context.peer)})


class Sessions:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _send(resp, {"sessions": self.hub.sessions(req.get_param("peer"),
                                                   req.get_param("result"))})


class EnrolmentGrants:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _send(resp, {"grants": self.hub.enrolments.grants_for(req.context.peer)})

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        grants = _field(_json(req), "grants", list)
        _send(resp, {"stored": self.hub.enrolments.store_grants(grants, req.context.peer)})


class EnrolmentRequests:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _send(resp, {"requests": self.hub.enrolments.pending_for(req.context.peer)})

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        document = _field(_json(req), "request", dict)
        _send(resp, self.hub.enrolments.submit(document, req.context.peer), 202)


class EnrolmentRequest:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_get(self, req: falcon.Request, resp: falcon.Response, node: str) -> None:
        _send(resp, self.hub.enrolments.state_of(node, req.context.peer))


class EnrolmentApprovals:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        document = _field(_json(req), "certificates", dict)
        _send(resp, self.hub.enrolments.approve(document, req.context.peer))


class EnrolmentRefusals:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        refusal = _field(_json(req), "refusal", dict)
        _send(resp, self.hub.enrolments.refuse(refusal, req.context.peer))


class Updates:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _send(resp, {"versions": self.hub.updates.versions()})


class UpdateItem:
    """A catalogue or calendar update signed by the county: any node may relay it."""

    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_get(self, req: falcon.Request, resp: falcon.Response, kind: str) -> None:
        _send(resp, self.hub.updates.get(kind))

    def on_post(self, req: falcon.Request, resp: falcon.Response, kind: str) -> None:
        value = _json(req)
        published = {"update": _field(value, "update", dict), "chain": _field(value, "chain", str)}
        _send(resp, {"kind": kind, "version": self.hub.updates.install(kind, published)})


def create_app(hub: HubService, metrics: HubMetrics | None = None,
               max_busy: int = 8 - RESERVE) -> falcon.App:
    """The hub's WSGI app; ``metrics`` by default answers loopback only.  Past
    ``max_busy`` signed requests in progress, others get 429 (``sync.hub.admission``)."""
    metrics = metrics or HubMetrics(hub)
    admission = Admission(max_busy)
    metrics.watch(admission)
    app = falcon.App(middleware=[Auth(hub, metrics, admission)])
    app.req_options.strip_url_path_trailing_slash = True
    app.add_error_handler(falcon.HTTPError, handle_falcon_error)
    app.add_error_handler(peewee.DatabaseError, handle_database_error)
    app.add_error_handler(SyncError, handle_sync_error)
    app.add_error_handler(BlobStoreUnavailable, handle_blob_store_error)
    app.add_error_handler(KeysError, handle_sync_error)
    app.add_route("/v1/health", Health(hub))
    app.add_route("/v1/openapi.json", OpenApi())
    app.add_route(METRICS, Metrics(metrics))
    app.add_route(HELLO, Hello(hub))
    app.add_route("/v1/certificates", Certificates(hub))
    app.add_route("/v1/directory", Directory(hub))
    app.add_route("/v1/revocations", Revocations(hub))
    app.add_route(MATERIAL_STATUS, Material(hub))
    app.add_route("/v1/materials/{address}/data", MaterialData(hub))
    app.add_route("/v1/events", Events(hub))
    app.add_route("/v1/nodes/{node}", NodeHead(hub))
    app.add_route("/v1/nodes/{node}/events", NodeEvents(hub))
    app.add_route("/v1/queue", Queue(hub))
    app.add_route("/v1/claims", Claims(hub))
    app.add_route("/v1/claims/{case_no}", ClaimItem(hub))
    app.add_route("/v1/proofs", Proofs(hub))
    app.add_route("/v1/sessions", Sessions(hub))
    app.add_route("/v1/enrolment/grants", EnrolmentGrants(hub))
    app.add_route(ENROLMENT_REQUESTS, EnrolmentRequests(hub))
    app.add_route("/v1/enrolment/requests/{node}", EnrolmentRequest(hub))
    app.add_route("/v1/enrolment/approvals", EnrolmentApprovals(hub))
    app.add_route("/v1/enrolment/refusals", EnrolmentRefusals(hub))
    app.add_route("/v1/updates", Updates(hub))
    app.add_route("/v1/updates/{kind}", UpdateItem(hub))
    return app


class ClaimItem:
    def __init__(self, hub: HubService) -> None:
        self.hub = hub

    def on_delete(self, req: falcon.Request, resp: falcon.Response, case_no: str) -> None:
        user = req.get_param("user") or ""
        self.hub.release(case_no, f"{req.context.peer}/{user}")
        resp.status = falcon.HTTP_204
