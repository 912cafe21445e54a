"""RFC 9421 HTTP message signatures on sync requests, with an RFC 9530 body digest.

Every request a station sends to its hub is signed with the station's Ed25519
key; the key id is the station's 12-digit division code.  ``sign_request``
returns the three headers to add; ``verify_request`` checks them on the hub and
returns the key id, or raises one ``sync.errors`` class per reason (each has
the HTTP ``status`` and problem ``slug`` the hub answers with).

Pure: no sockets, no clock reads (``created`` and ``now`` are passed in), no
files.  The ``http-message-signatures`` library builds the signature base and
signs / verifies; this module decides what must be covered and judges time,
digest and replay itself.

Covered components (label ``sig1``), in this order::

    "@method" "@authority" "@path" "@query" ["content-type"] ["upload-offset"]
    ["upload-checksum"] "content-digest"

* ``@authority`` + ``@path`` + ``@query`` rather than ``@target-uri``: the
  target URI includes the scheme, which changes when a reverse proxy
  terminates TLS (the client sends ``https://``, the hub sees ``http://``).
  The authority is still covered, so a request made to one hub cannot be
  replayed to another.  Behind a proxy the hub must pass the URL the *client*
  used (its public host), not the internal one.
* ``content-digest`` (sha-256 of the body) carries the body into the
  signature; the hub compares it to the bytes it actually received, so a
  truncated upload is ``DigestMismatch`` (400, send again), not a forgery.
* ``content-type`` is covered whenever the request has one, so a body cannot
  be re-labelled and parsed as something else; ``upload-offset`` and
  ``upload-checksum`` likewise, so a captured chunk cannot be moved to another
  offset of the material.
* The ``url`` given to both functions must be the exact, already
  percent-encoded URL on the wire (e.g. ``requests.PreparedRequest.url``);
  nothing here re-encodes it.

Signature parameters: ``created``, ``keyid``, ``alg="ed25519"``, ``expires``
(= created + ``expires_in``) and ``nonce`` (128 random bits, base64url).
``expires`` bounds how long a captured request is worth anything; the nonce
makes it single-use within that time.  Together they let the hub remember
nonces for a bounded time only (``NonceCache`` forgets an entry once the
request it belongs to would be refused as expired anyway), so the replay
memory stays small.  Retries must therefore be signed again: a re-sent
request with the same nonce is a replay.

Clock skew: village PCs often have wrong clocks, and the sender's clock sets
``created`` and ``expires``.  ``max_skew`` (300 s by default) is allowed in
both directions on every time check: ``created`` may be up to ``max_skew``
ahead of the hub; a request is expired only when ``expires + max_skew < now``
or ``now - created > max_age + max_skew``.  ``max_skew=0`` gives the strict
RFC reading (``expires < now`` refuses).

Order of checks in ``verify_request``: headers present, well formed, required
parameters and components covered, body digest, key known, signature valid,
then time, and last the nonce, so that only genuine requests are recorded in
the replay memory (a forger cannot fill it).
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Protocol

import http_sf
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    algorithms,
)
from http_message_signatures.structures import CaseInsensitiveDict

from sync.errors import (
    DigestMismatch,
    DigestMissing,
    ReplayCacheFull,
    RequestReplayed,
    SignatureExpired,
    SignatureIncomplete,
    SignatureInvalid,
    SignatureMalformed,
    SignatureMissing,
    SignatureNotYetValid,
    UnknownKey,
)

LABEL = "sig1"
ALGORITHM = "ed25519"
# Always covered, in signing order.
COMPONENTS = ("@method", "@authority", "@path", "@query", "content-digest")
# Covered whenever the request has them (before the digest): what the body is,
# and where an uploaded chunk goes and its own checksum.
OPTIONAL = ("content-type", "upload-offset", "upload-checksum")
PARAMETERS = ("created", "expires", "keyid", "alg", "nonce")
MAX_NONCE_LENGTH = 64  # ours are 22 characters; longer ones only bloat the replay memory

_CHINA_TIME = timezone(timedelta(hours=8), "UTC+8")


class NonceStore(Protocol):
    """Replay memory: ``NonceCache`` in memory, a database table on a busy hub.

    ``seen`` must check and record in one step (for a table: an insert that
    ignores conflicts and reports whether it inserted) and may forget an entry
    once ``now > expires``.
    """

    def seen(self, key_id: str, nonce: str, expires: int, now: int) -> bool: ...


class NonceCache:
    """In-memory ``NonceStore``: remembers (key id, nonce) pairs until they expire.

    Each call first forgets every entry whose ``expires`` is before ``now``, so
    memory is bounded by the requests of one validity window.  As a hard cap,
    at most ``max_entries`` live entries are kept; a new nonce beyond that is
    refused with ``ReplayCacheFull`` (503, retry after the oldest entry
    expires) rather than evicting a live entry, which would reopen a replay.
    Only requests with a verified signature reach the cache.
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._expires: dict[tuple[str, str], int] = {}
        self._queue: list[tuple[int, str, str]] = []  # min-heap of (expires, key id, nonce)

    def __len__(self) -> int:
        return len(self._expires)

    def seen(self, key_id: str, nonce: str, expires: int, now: int) -> bool:
        """True if this nonce of this key is remembered; else remember it until ``expires``."""
        self._forget_before(now)
        entry = (key_id, nonce)
        if entry in self._expires:
            return True
        if expires < now:
            return False  # already dead: nothing to remember
        if len(self._expires) >= self.max_entries:
            raise ReplayCacheFull(count=len(self._expires),
                                  retry_after=self._queue[0][0] - now + 1)
        self._expires[entry] = expires
        heapq.heappush(self._queue, (expires, key_id, nonce))
        return False

    def _forget_before(self, now: int) -> None:
        while self._queue and self._queue[0][0] < now:
            _, key_id, nonce = heapq.heappop(self._queue)
            del self._expires[(key_id, nonce)]


def content_digest(body: bytes) -> str:
    """The RFC 9530 ``Content-Digest`` value of ``body`` (sha-256)."""
    return f"sha-256=:{base64.b64encode(hashlib.sha256(body).digest()).decode('ascii')}:"


def new_nonce() -> str:
    """128 random bits, base64url without padding (22 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode("ascii")


def sign_request(method: str, url: str, headers: Mapping[str, str], body: bytes,
                 private_key: Ed25519PrivateKey, key_id: str, *, created: int,
                 expires_in: int = 300, nonce: str | None = None) -> dict[str, str]:
    """The headers to add to a request: ``Content-Digest``, ``Signature-Input``, ``Signature``.

    ``method`` is upper case and ``url`` absolute and percent-encoded exactly as
    sent; ``headers`` are the other request headers (``Content-Type`` is covered
    when present).  ``created`` is the sender's Unix time.  ValueError for
    arguments that cannot be signed.
    """
    if expires_in <= 0:
        raise ValueError("expires_in must be positive")
    nonce = new_nonce() if nonce is None else nonce
    if not 0 < len(nonce) <= MAX_NONCE_LENGTH:
        raise ValueError(f"nonce must be 1 to {MAX_NONCE_LENGTH} characters")
    digest = content_digest(body)
    request = _Request(method, url, CaseInsensitiveDict(headers))
    request.headers["Content-Digest"] = digest
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519,
                               key_resolver=_OneKey(key_id, private_key))
    try:
        signer.sign(request, key_id=key_id, created=_moment(created),
                    expires=_moment(created + expires_in),
                    nonce=nonce, label=LABEL,
                    covered_component_ids=_components_for(request.headers))
    except (HTTPMessageSignaturesException, OverflowError, OSError) as e:
        raise ValueError(f"cannot sign this request: {e}") from e
    return {"Content-Digest": digest,
            "Signature-Input": request.headers["Signature-Input"],
            "Signature": request.headers["Signature"]}


def verify_request(method: str, url: str, headers: Mapping[str, str], body: bytes,
                   resolve_key: Callable[[str], Ed25519PublicKey], *, now: int,
                   nonces: NonceStore, max_age: int = 300, max_skew: int = 300) -> str:
    """Check a signed request as the hub received it; return the signer's key id.

    ``url`` is the URL the client used (public host, encoded path and query);
    ``resolve_key`` raises KeyError for an unknown key id; ``now`` is the hub's
    Unix time.  Raises SignatureMissing, SignatureMalformed, SignatureIncomplete,
    DigestMissing / DigestMismatch, UnknownKey, SignatureInvalid,
    SignatureNotYetValid, SignatureExpired, RequestReplayed (or ReplayCacheFull
    from the nonce store), all ``SyncError``s with ``status`` and ``slug``.
    """
    fields = CaseInsensitiveDict(headers)
    for name in ("Signature-Input", "Signature"):
        if name not in fields:
            raise SignatureMissing(header=name)
    components, params = _signature_input(fields["Signature-Input"])
    _signature_bytes(fields["Signature"])

    missing = [name for name in PARAMETERS if name not in params]
    missing += [name for name in _components_for(fields) if name not in components]
    if missing:
        raise SignatureIncomplete(missing=", ".join(missing))
    key_id, created, expires, nonce = _checked_parameters(params)

    _check_digest(fields.get("Content-Digest"), body)

    try:
        public_key = resolve_key(key_id)
    except KeyError:
        raise UnknownKey(key_id=key_id) from None
    verifier = _Verifier(signature_algorithm=algorithms.ED25519,
                         key_resolver=_OneKey(key_id, public_key=public_key))
    try:
        results = verifier.verify(_Request(method, url, fields), max_age=None)
    except HTTPMessageSignaturesException as e:
        raise SignatureInvalid(key_id=key_id) from e
    if len(results) != 1 or results[0].parameters.get("keyid") != key_id:
        raise SignatureInvalid(key_id=key_id)

    if created > now + max_skew:
        raise SignatureNotYetValid(created=_shown(created), now=_shown(now))
    valid_until = min(expires, created + max_age)
    if valid_until + max_skew < now:
        raise SignatureExpired(created=_shown(created), expires=_shown(valid_until))
    # Accepted until ``valid_until + max_skew``: remember the nonce exactly that long.
    if nonces.seen(key_id, nonce, valid_until + max_skew, now):
        raise RequestReplayed(key_id=key_id, nonce=nonce)
    return key_id


@dataclass
class _Request:
    """What the library reads of a request (the shape of ``requests.PreparedRequest``)."""

    method: str
    url: str
    headers: Any  # CaseInsensitiveDict[str]


class _OneKey(HTTPSignatureKeyResolver):
    """The one key already chosen for this signature."""

    def __init__(self, key_id: str, private_key: Ed25519PrivateKey | None = None,
                 public_key: Ed25519PublicKey | None = None) -> None:
        self.key_id, self.private_key, self.public_key = key_id, private_key, public_key

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        if key_id != self.key_id or self.private_key is None:
            raise KeyError(key_id)
        return self.private_key

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey | None:
        return self.public_key if key_id == self.key_id else None


class _Verifier(HTTPMessageVerifier):
    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        """Skipped: ``verify_request`` judges time against the ``now`` it is given."""


def _components_for(headers: Any) -> list[str]:
    """The components to cover for a request with these headers, in signing order."""
    fields = CaseInsensitiveDict(headers)
    return [*COMPONENTS[:-1], *(name for name in OPTIONAL if name in fields), COMPONENTS[-1]]


def _reject_duplicate(key: str, context: str) -> None:
    raise ValueError(f"duplicate {context} key {key!r}")


def _dictionary(value: str) -> dict[str, Any]:
    """An RFC 8941 Dictionary field; ValueError if it is not one."""
    parsed = http_sf.parse(value.encode("ascii"), tltype="dictionary",
                           on_duplicate_key=_reject_duplicate)
    if not isinstance(parsed, dict):
        raise ValueError("not a dictionary")
    return parsed


def _only_member(value: str, header: str) -> tuple[Any, dict[str, Any]]:
    try:
        members = _dictionary(value)
    except ValueError as e:  # UnicodeError included
        raise SignatureMalformed(reason=f"{header}: {e}") from None
    if list(members) != [LABEL]:
        raise SignatureMalformed(reason=f"{header} must hold exactly one signature, {LABEL}")
    member, params = members[LABEL]
    return member, params


def _signature_input(value: str) -> tuple[set[str], dict[str, Any]]:
    """Parameter-free covered component names, and the signature parameters."""
    member, params = _only_member(value, "Signature-Input")
    if not isinstance(member, list):
        raise SignatureMalformed(reason=f"Signature-Input {LABEL} is not an inner list")
    return {name for name, item_params in member if isinstance(name, str) and not item_params}, \
        params


def _signature_bytes(value: str) -> bytes:
    member, _ = _only_member(value, "Signature")
    if not isinstance(member, bytes):
        raise SignatureMalformed(reason=f"Signature {LABEL} is not a byte sequence")
    return member


def _checked_parameters(params: dict[str, Any]) -> tuple[str, int, int, str]:
    key_id, created, expires, nonce = (params[name] for name in ("keyid", "created", "expires",
                                                                 "nonce"))
    if not (isinstance(key_id, str) and isinstance(nonce, str)
            and type(created) is int and type(expires) is int):
        raise SignatureMalformed(reason="keyid and nonce must be strings, created and expires "
                                        "integers")
    if params["alg"] != ALGORITHM:
        raise SignatureMalformed(reason=f"alg must be {ALGORITHM!r}")
    if not 0 < len(nonce) <= MAX_NONCE_LENGTH:
        raise SignatureMalformed(reason=f"nonce must be 1 to {MAX_NONCE_LENGTH} characters")
    return key_id, created, expires, nonce


def _check_digest(value: str | None, body: bytes) -> None:
    if value is None:
        raise DigestMissing()
    try:
        digests = _dictionary(value)
    except ValueError:
        raise DigestMismatch() from None
    if "sha-256" not in digests:
        raise DigestMissing()
    for algorithm, hasher in (("sha-256", hashlib.sha256), ("sha-512", hashlib.sha512)):
        if algorithm in digests:
            claimed = digests[algorithm][0]
            if not isinstance(claimed, bytes) or \
                    not hmac.compare_digest(claimed, hasher(body).digest()):
                raise DigestMismatch()


def _moment(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


def _shown(timestamp: int) -> str:
    """A time for a message, as people at the stations read it (China Standard Time)."""
    try:
        moment = datetime.fromtimestamp(timestamp, tz=_CHINA_TIME)
    except (OverflowError, OSError, ValueError):
        return str(timestamp)
    return moment.strftime("%Y-%m-%d %H:%M:%S") + " (UTC+8)"
