"""The event envelope: a clear header, the sealed payload, the author's signature.

Format 1::

    envelope    = b"BMEV" | 0x01 | header length (4, BE) | header
                  | payload length (4, BE) | payload | signature
    header      = canonical JSON (UTF-8, sorted keys, no spaces, ensure_ascii=False)
                  {"author", "case_no", "event_id", "hlc", "materials", "matter",
                   "node", "prev", "recipients", "seq", "type"}
    payload     = a sealed object (keys/seal.py)
    signature   = keys.sign over the signed part: every byte before it

The author signs the exact bytes it sends and nobody re-serialises them:
hubs store and forward ``raw``; ``prev`` is the SHA-256 of the previous
envelope's raw bytes, so a node's log is a hash chain and a rewritten history
is a fork the county can prove (``check_chain``).

Hubs route and supervise on the header alone, so ``parse_envelope`` accepts
only the canonical header encoding (every parser reads the same fields) and a
header whose ``recipients`` are exactly those of the sealed payload.  It
raises ``EnvelopeMalformed`` and nothing else for any bytes; the signature is
checked separately by ``verify_envelope`` once the node's key is looked up.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

from keys.errors import BadSignature, DecryptionFailed, KeysError
from keys.seal import recipients_of
from keys.sign import parse as parse_signature
from keys.sign import sign, verify, verify_parsed
from sync.errors import EnvelopeMalformed
from sync.hlc import Timestamp

MAGIC = b"BMEV"
FORMAT_VERSION = 1
ZERO_HASH = "0" * 64
MAX_SEQ = 2**63 - 1
_PREFIX = struct.Struct(">4sBI")
_LENGTH = struct.Struct(">I")
_FIELDS = frozenset(
    (
        "author", "case_no", "event_id", "hlc", "materials", "matter",
        "node", "prev", "recipients", "seq", "type",
    )
)
_EVENT_ID = re.compile(r"[0-9a-f]{32}")
_NODE = re.compile(r"[0-9]{12}")
_HASH = re.compile(r"[0-9a-f]{64}")
_TYPE = re.compile(r"[a-z_.]+")
_DECODER = json.JSONDecoder()
# the canonical encoding; one encoder for every call (json.dumps with these options
# builds a new encoder each time, a fair share of parsing a hub's pushed events)
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
# A header that is canonical JSON, every field of the shape ``Header`` requires and every
# string free of escapes, as one pattern: what nearly every envelope is.  Such a header is
# read from the pattern's groups, without a JSON decode, a re-encode and a compare (most of
# a hub's parsing time).  Anything else takes the full path (``_header_from_json``),
# which decides exactly as before; ``tests/test_envelope_fast_header.py`` checks both
# paths agree.  A string without escapes: no quote, no backslash, no control character
# (what the canonical encoder writes as they are, ensure_ascii=False).
_TEXT = r'"[^"\\\x00-\x1f]+"'
_TEXTS = rf"\[({_TEXT}(?:,{_TEXT})*)?\]"  # (a repeated tail: no backtracking)
_FAST_HEADER = re.compile(
    rf'\{{"author":"([^"\\\x00-\x1f]+)","case_no":(null|{_TEXT}),'
    r'"event_id":"([0-9a-f]{32})","hlc":"([0-9]{13}-[0-9]{4}-([0-9]{12}))",'
    rf'"materials":{_TEXTS},"matter":(null|{_TEXT}),"node":"([0-9]{{12}})",'
    rf'"prev":"([0-9a-f]{{64}})","recipients":{_TEXTS},'
    r'"seq":([1-9][0-9]{0,17}),"type":"([a-z_.]+)"\}'  # 18 digits: always <= MAX_SEQ
)


def _malformed(reason: str) -> EnvelopeMalformed:
    return EnvelopeMalformed(reason=reason)


def _strings(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise _malformed(f"{what}不是列表")
    items = tuple(value)
    if any(type(item) is not str or not item for item in items):
        raise _malformed(f"{what}中有空项或非文字项")
    return items


def _optional_text(value: object, what: str) -> str | None:
    if value is None or (isinstance(value, str) and value):
        return value
    raise _malformed(f"{what}不是文字")


@dataclass(frozen=True)
class Header:
    """The clear header of an event; EnvelopeMalformed when a field is invalid."""

    event_id: str  # uuid4().hex
    node: str  # the author node's 12-digit code
    seq: int  # 1, 2, 3 … in the node's log
    prev: str  # envelope_hash of seq - 1; ZERO_HASH for seq 1
    case_no: str | None
    matter: str | None
    type: str  # e.g. "case.filed"
    hlc: str  # str(Timestamp) from the node's HybridClock
    author: str  # user name
    recipients: tuple[str, ...]  # recipients_of(payload), in order
    materials: tuple[str, ...] = field(default=())  # content addresses cited

    def __post_init__(self) -> None:
        if type(self.event_id) is not str or not _EVENT_ID.fullmatch(self.event_id):
            raise _malformed("事件编号不对")
        if type(self.node) is not str or not _NODE.fullmatch(self.node):
            raise _malformed("站点代码不是 12 位数字")
        if type(self.seq) is not int or not 1 <= self.seq <= MAX_SEQ:
            raise _malformed("序号不对")
        if type(self.prev) is not str or not _HASH.fullmatch(self.prev):
            raise _malformed("前一事件的哈希不对")
        if self.seq == 1 and self.prev != ZERO_HASH:
            raise _malformed("第一个事件的前一哈希应为全零")
        if type(self.type) is not str or not _TYPE.fullmatch(self.type):
            raise _malformed("事件类型不对")
        try:
            stamp = Timestamp.parse(self.hlc)
        except ValueError:
            raise _malformed("事件时间不对") from None
        if stamp.node != self.node:
            raise _malformed("事件时间不属于该站点")
        if type(self.author) is not str or not self.author:
            raise _malformed("作者为空")
        _optional_text(self.case_no, "案件编号")
        _optional_text(self.matter, "事项编码")
        object.__setattr__(self, "recipients", _strings(self.recipients, "接收方"))
        object.__setattr__(self, "materials", _strings(self.materials, "材料"))

    @property
    def timestamp(self) -> Timestamp:
        return Timestamp.parse(self.hlc)

    def to_json(self) -> bytes:
        """The canonical encoding: the exact bytes that go into the envelope."""
        value = {
            "author": self.author,
            "case_no": self.case_no,
            "event_id": self.event_id,
            "hlc": self.hlc,
            "materials": list(self.materials),
            "matter": self.matter,
            "node": self.node,
            "prev": self.prev,
            "recipients": list(self.recipients),
            "seq": self.seq,
            "type": self.type,
        }
        return _CANONICAL.encode(value).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Header:
        """The header from exactly its canonical encoding; EnvelopeMalformed otherwise."""
        try:
            text = raw.decode("utf-8")
        except ValueError:
            raise _malformed("标头不是 JSON") from None
        return _fast_header(cls, text) or _header_from_json(cls, raw, text)


def _fast_header(cls: type[Header], text: str) -> Header | None:
    """The header when ``text`` matches ``_FAST_HEADER`` and the two checks the pattern
    cannot make hold (the clock is the node's; seq 1 names no previous event); None:
    decide by the full path.  Built without ``__post_init__``: the pattern is stricter."""
    match = _FAST_HEADER.fullmatch(text)
    if match is None:
        return None
    (author, case_no, event_id, hlc, clock_node, materials, matter, node, prev, recipients,
     seq) = match.group(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
    if clock_node != node or (seq == "1" and prev != ZERO_HASH):
        return None
    header = object.__new__(cls)
    header.__dict__.update(
        event_id=event_id, node=node, seq=int(seq), prev=prev,
        case_no=None if case_no == "null" else case_no[1:-1],
        matter=None if matter == "null" else matter[1:-1],
        type=match[12], hlc=hlc, author=author,
        recipients=tuple(recipients[1:-1].split('","')) if recipients else (),
        materials=tuple(materials[1:-1].split('","')) if materials else (),
    )
    return header


def _header_from_json(cls: type[Header], raw: bytes, text: str) -> Header:
    """``Header.from_json`` by decoding, checking each field and re-encoding."""
    try:
        value, stop = _DECODER.raw_decode(text)
    except (ValueError, RecursionError):
        raise _malformed("标头不是 JSON") from None
    if stop != len(text) or type(value) is not dict or value.keys() != _FIELDS:
        raise _malformed("标头字段不对")
    header = cls(**value)
    try:
        canonical = header.to_json()
    except ValueError:  # a lone surrogate from a \ud800 escape
        raise _malformed("标头含无效字符") from None
    if canonical != raw:
        raise _malformed("标头不是规范编码")
    return header


@dataclass(frozen=True)
class Envelope:
    """A parsed envelope; ``raw`` is what is stored, forwarded and chained.

    ``hash`` and ``key_id`` are computed once, on first use (a hub asks for
    them several times per pushed event); the fields never change."""

    header: Header
    payload: bytes
    signature: bytes
    signed_part: bytes
    raw: bytes

    @property
    def hash(self) -> str:
        known = self.__dict__.get("_hash")  # not functools.cached_property: it locks
        if known is None:
            known = self.__dict__["_hash"] = envelope_hash(self.raw)
        return known

    @property
    def key_id(self) -> str:
        """The signing key id the signature names (look up its public key)."""
        known = self.__dict__.get("_key_id")
        if known is None:
            known = self.__dict__["_key_id"] = parse_signature(self.signature).key_id
        return known


def envelope_hash(raw: bytes) -> str:
    """SHA-256 hex of an envelope's raw bytes: what the next ``prev`` holds."""
    return hashlib.sha256(raw).hexdigest()


def _check_recipients(header: Header, payload: bytes) -> None:
    try:
        listed = recipients_of(payload)
    except DecryptionFailed:
        raise _malformed("载荷不是密封数据") from None
    if tuple(listed) != header.recipients:
        raise _malformed("标头的接收方与密封数据不一致")


def build_envelope(
    header: Header, sealed_payload: bytes, signing_key: object, key_id: str
) -> bytes:
    """The signed envelope bytes.

    EnvelopeMalformed when the header's recipients are not the payload's;
    keys.sign's errors for an unusable key or key id.
    """
    payload = bytes(sealed_payload)
    _check_recipients(header, payload)
    encoded = header.to_json()
    signed_part = b"".join(
        (
            _PREFIX.pack(MAGIC, FORMAT_VERSION, len(encoded)),
            encoded,
            _LENGTH.pack(len(payload)),
            payload,
        )
    )
    return signed_part + sign(signed_part, signing_key, key_id)


def parse_envelope(data: bytes | bytearray | memoryview) -> Envelope:
    """The parts of an envelope, not yet verified; EnvelopeMalformed for anything else."""
    try:
        raw = data if type(data) is bytes else bytes(memoryview(data).cast("B"))
    except (TypeError, ValueError):
        raise _malformed("不是字节数据") from None
    if len(raw) < _PREFIX.size:
        raise _malformed("数据过短")
    magic, version, header_length = _PREFIX.unpack_from(raw)
    if magic != MAGIC:
        raise _malformed("不是事件数据")
    if version != FORMAT_VERSION:
        raise _malformed(f"格式版本 {version} 不受支持")
    payload_at = _PREFIX.size + header_length + _LENGTH.size
    if payload_at > len(raw):
        raise _malformed("标头被截断")
    header = Header.from_json(raw[_PREFIX.size : payload_at - _LENGTH.size])
    (payload_length,) = _LENGTH.unpack_from(raw, payload_at - _LENGTH.size)
    signature_at = payload_at + payload_length
    if signature_at > len(raw):
        raise _malformed("载荷被截断")
    payload = raw[payload_at:signature_at]
    _check_recipients(header, payload)
    signature = raw[signature_at:]
    try:
        parsed = parse_signature(signature)
    except KeysError:
        raise _malformed("签名缺失或不完整") from None
    # the frozen dataclass's __init__ sets each field through object.__setattr__: a fair
    # share of parsing a hub's pushed events; the fields are the same
    envelope = object.__new__(Envelope)
    envelope.__dict__.update(header=header, payload=payload, signature=signature,
                             signed_part=raw[:signature_at], raw=raw,
                             _key_id=parsed.key_id,  # what ``key_id`` would parse again
                             _signature=parsed)  # what ``verify_envelope`` would, too
    return envelope


def verify_envelope(envelope: Envelope, public_key: object) -> None:
    """BadSignature unless the author's ``public_key`` signed exactly these bytes."""
    parsed = envelope.__dict__.get("_signature")  # read by parse_envelope
    if parsed is not None:
        if verify_parsed(parsed, envelope.signed_part, public_key):
            return
        raise BadSignature(what=f"站点 {envelope.header.node} 第 {envelope.header.seq} 号事件")
    what = f"站点 {envelope.header.node} 第 {envelope.header.seq} 号事件"
    verify(envelope.signed_part, envelope.signature, public_key, what)


@dataclass(frozen=True)
class ChainGap:
    """Events ``first`` to ``last`` (inclusive) of ``node`` are missing."""

    node: str
    first: int
    last: int


@dataclass(frozen=True)
class ChainFork:
    """Different envelopes share ``seq``: proof that ``node`` rewrote its log."""

    node: str
    seq: int
    hashes: tuple[str, ...]  # sorted


@dataclass(frozen=True)
class BrokenLink:
    """Event ``seq``'s ``prev`` is not the hash of any envelope at ``seq - 1``."""

    node: str
    seq: int
    prev: str
    expected: tuple[str, ...]  # hashes found at seq - 1, sorted


ChainProblem = ChainGap | ChainFork | BrokenLink


def check_chain(
    envelopes: Sequence[Envelope], *, from_seq: int = 1, prev_hash: str = ZERO_HASH
) -> list[ChainProblem]:
    """Gaps, forks and broken links in one node's envelopes, in order of seq.

    The chain is checked from ``from_seq``, whose ``prev`` must be
    ``prev_hash`` (the defaults check from the origin).  Identical bytes given
    twice are one envelope.  ValueError when the envelopes are of several nodes.
    """
    nodes = {envelope.header.node for envelope in envelopes}
    if len(nodes) > 1:
        raise ValueError("check_chain takes one node's envelopes")
    if not nodes:
        return []
    node = nodes.pop()
    by_seq: dict[int, dict[str, Envelope]] = {}
    for envelope in envelopes:
        by_seq.setdefault(envelope.header.seq, {})[envelope.hash] = envelope
    problems: list[ChainProblem] = []
    previous: tuple[str, ...] | None = (prev_hash,)
    expected_seq = from_seq
    for seq in sorted(s for s in by_seq if s >= from_seq):
        if seq > expected_seq:
            problems.append(ChainGap(node, expected_seq, seq - 1))
            previous = None
        found = by_seq[seq]
        hashes = tuple(sorted(found))
        if len(hashes) > 1:
            problems.append(ChainFork(node, seq, hashes))
        if previous is not None:
            for digest in hashes:
                link = found[digest].header.prev
                if link not in previous:
                    problems.append(BrokenLink(node, seq, link, previous))
        previous = hashes
        expected_seq = seq + 1
    return problems
