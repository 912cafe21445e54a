"""Signed sync requests: RFC 9421 signatures, RFC 9530 digests, time and replay checks."""

from __future__ import annotations

import base64
import hashlib
import inspect
import string
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import quote

import http_sf
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import HTTPMessageSigner, HTTPSignatureKeyResolver, algorithms
from hypothesis import given, settings
from hypothesis import strategies as st

import sync.errors
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
    SignatureRefused,
    SyncError,
    UnknownKey,
)
from sync.httpsig import (
    NonceCache,
    NonceStore,
    content_digest,
    new_nonce,
    sign_request,
    verify_request,
)

NODE = "450981104201"
OTHER = "450981104202"
KEY = Ed25519PrivateKey.generate()
OTHER_KEY = Ed25519PrivateKey.generate()
PUBLIC = {NODE: KEY.public_key(), OTHER: OTHER_KEY.public_key()}
NOW = 1_750_000_000  # fixed: nothing reads the clock

URL = "https://hub.example:8443/sync/events?since=3&node=450981104201"
BODY = b'{"events": [{"seq": 4, "type": "case-opened"}]}'
HEADERS = {"Content-Type": "application/json", "Accept": "application/problem+json"}


def resolve(key_id: str) -> Ed25519PublicKey:
    return PUBLIC[key_id]  # KeyError for an unknown station


def signed(method: str = "POST", url: str = URL, body: bytes = BODY,
           headers: dict[str, str] | None = None, *, key: Ed25519PrivateKey = KEY,
           key_id: str = NODE, created: int = NOW, **kwargs: object) -> dict[str, str]:
    base = dict(HEADERS if headers is None else headers)
    return {**base, **sign_request(method, url, base, body, key, key_id, created=created,
                                   **kwargs)}  # type: ignore[arg-type]


def verify(headers: dict[str, str], method: str = "POST", url: str = URL, body: bytes = BODY,
           *, now: int = NOW, nonces: NonceStore | None = None, **kwargs: int) -> str:
    return verify_request(method, url, headers, body, resolve, now=now,
                          nonces=NonceCache() if nonces is None else nonces, **kwargs)


def params_of(headers: dict[str, str]) -> tuple[list[str], dict[str, object]]:
    parsed = http_sf.parse(headers["Signature-Input"].encode(), tltype="dictionary")
    assert isinstance(parsed, dict)
    members, params = parsed["sig1"]
    return [name for name, _ in members], params


def edit_input(headers: dict[str, str], old: str, new: str) -> dict[str, str]:
    assert old in headers["Signature-Input"]
    return {**headers, "Signature-Input": headers["Signature-Input"].replace(old, new)}


# --- round trip and wire format ---------------------------------------------


def test_round_trip_returns_the_key_id() -> None:
    added = sign_request("POST", URL, HEADERS, BODY, KEY, NODE, created=NOW)
    assert set(added) == {"Content-Digest", "Signature-Input", "Signature"}
    assert verify({**HEADERS, **added}) == NODE


def test_wire_format_is_rfc_8941_structured_fields() -> None:
    headers = signed(nonce="n-0123456789abcdef")
    assert headers["Signature-Input"].startswith("sig1=(")
    assert 'keyid="450981104201"' in headers["Signature-Input"]
    assert 'alg="ed25519"' in headers["Signature-Input"]
    components, params = params_of(headers)
    assert components == ["@method", "@authority", "@path", "@query", "content-type",
                          "content-digest"]
    assert params == {"created": NOW, "keyid": NODE, "alg": "ed25519", "expires": NOW + 300,
                      "nonce": "n-0123456789abcdef"}
    signature = http_sf.parse(headers["Signature"].encode(), tltype="dictionary")
    assert isinstance(signature, dict) and list(signature) == ["sig1"]
    assert isinstance(signature["sig1"][0], bytes) and len(signature["sig1"][0]) == 64
    digest = http_sf.parse(headers["Content-Digest"].encode(), tltype="dictionary")
    assert isinstance(digest, dict)
    assert digest["sha-256"][0] == hashlib.sha256(BODY).digest()


def test_the_signature_base_is_the_rfc_9421_one() -> None:
    """Checked by hand with plain cryptography: no library between us and the RFC."""
    headers = signed()
    signature_params = headers["Signature-Input"].removeprefix("sig1=")
    base = "\n".join([
        '"@method": POST',
        '"@authority": hub.example:8443',
        '"@path": /sync/events',
        '"@query": ?since=3&node=450981104201',
        '"content-type": application/json',
        f'"content-digest": {headers["Content-Digest"]}',
        f'"@signature-params": {signature_params}',
    ])
    raw = headers["Signature"].removeprefix("sig1=:").removesuffix(":")
    KEY.public_key().verify(base64.b64decode(raw), base.encode())
    with pytest.raises(InvalidSignature):
        KEY.public_key().verify(base64.b64decode(raw), base.replace("POST", "PUT").encode())


def test_content_digest_matches_the_rfc_9530_example() -> None:
    assert content_digest(b'{"hello": "world"}') == \
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"


def test_without_a_content_type_it_is_not_covered() -> None:
    headers = signed("GET", body=b"", headers={})
    assert params_of(headers)[0] == ["@method", "@authority", "@path", "@query",
                                     "content-digest"]
    assert verify(headers, "GET", body=b"") == NODE


def test_nonces_are_fresh_128_bit_base64url() -> None:
    nonces = {new_nonce() for _ in range(200)} | {str(params_of(signed())[1]["nonce"])}
    assert len(nonces) == 201
    for nonce in nonces:
        assert len(base64.urlsafe_b64decode(nonce + "==")) == 16
        assert "=" not in nonce and "+" not in nonce and "/" not in nonce


def test_header_names_are_case_insensitive_as_a_server_hands_them_over() -> None:
    headers = {name.upper(): value for name, value in signed().items()}
    assert verify(headers) == NODE


def test_default_ports_and_host_case_are_normalised() -> None:
    headers = signed(url="https://Hub.Example:443/sync/events")
    assert verify(headers, url="https://hub.example/sync/events") == NODE


def test_a_tls_terminating_proxy_does_not_break_the_signature() -> None:
    headers = signed(url="https://hub.example/sync/events")
    assert verify(headers, url="http://hub.example/sync/events") == NODE


def test_expires_in_sets_expires() -> None:
    assert params_of(signed(expires_in=60))[1]["expires"] == NOW + 60
    with pytest.raises(ValueError):
        signed(expires_in=0)


@pytest.mark.parametrize("kwargs", [{"nonce": ""}, {"nonce": "x" * 65},
                                    {"created": 10**15}, {"created": -(10**15)}])
def test_unsignable_parameters(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        signed(**kwargs)  # type: ignore[arg-type]


def test_a_url_that_is_not_encoded_cannot_be_signed() -> None:
    with pytest.raises(ValueError):
        signed(url="https://hub.example/材料 上传")


# --- refusals ---------------------------------------------------------------


@pytest.mark.parametrize("header", ["Signature-Input", "Signature"])
def test_missing_signature_headers(header: str) -> None:
    headers = signed()
    del headers[header]
    with pytest.raises(SignatureMissing) as caught:
        verify(headers)
    assert caught.value.params == {"header": header}


def test_unsigned_request() -> None:
    with pytest.raises(SignatureMissing):
        verify(dict(HEADERS))


@pytest.mark.parametrize("name, value", [
    ("Signature-Input", "sig1=(@method"),
    ("Signature-Input", 'sig2=("@method");created=1'),
    ("Signature-Input", 'sig1=("@method"), sig1=("@path")'),
    ("Signature-Input", "sig1=:AAAA:"),
    ("Signature", "sig1=AAAA"),
    ("Signature", 'sig1="text"'),
    ("Signature", "sig1=:AAAA:, sig2=:AAAA:"),
])
def test_malformed_signature_headers(name: str, value: str) -> None:
    with pytest.raises(SignatureMalformed):
        verify({**signed(), name: value})


@pytest.mark.parametrize("old, new", [
    ('alg="ed25519"', 'alg="hmac-sha256"'),
    ('keyid="450981104201"', "keyid=450981104201"),
    (f"created={NOW}", f'created="{NOW}"'),
    ('nonce="abc"', f'nonce="{"x" * 65}"'),
])
def test_malformed_parameters(old: str, new: str) -> None:
    with pytest.raises(SignatureMalformed):
        verify(edit_input(signed(nonce="abc"), old, new))


def library_signed(components: tuple[str, ...], **params: object) -> dict[str, str]:
    """A genuine signature made with the library directly, covering what we choose."""

    class Keys(HTTPSignatureKeyResolver):
        def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
            return KEY

    class Request:
        def __init__(self) -> None:
            self.method, self.url = "POST", URL
            self.headers = {**HEADERS, "Content-Digest": content_digest(BODY)}

    request = Request()
    defaults: dict[str, object] = {"expires": datetime.fromtimestamp(NOW + 300, UTC),
                                   "nonce": "abc"}
    HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=Keys()).sign(
        request, key_id=NODE, created=datetime.fromtimestamp(NOW, UTC), label="sig1",
        covered_component_ids=components, **{**defaults, **params})  # type: ignore[arg-type]
    return request.headers


FULL = ("@method", "@authority", "@path", "@query", "content-type", "content-digest")


def test_the_library_signed_reference_is_accepted() -> None:
    assert verify(library_signed(FULL)) == NODE


@pytest.mark.parametrize("left_out", FULL)
def test_a_genuine_signature_not_covering_a_required_component(left_out: str) -> None:
    headers = library_signed(tuple(c for c in FULL if c != left_out))
    with pytest.raises(SignatureIncomplete) as caught:
        verify(headers)
    assert caught.value.params == {"missing": left_out}


def test_covering_the_target_uri_instead_is_not_enough() -> None:
    headers = library_signed(("@method", "@target-uri", "content-type", "content-digest"))
    with pytest.raises(SignatureIncomplete) as caught:
        verify(headers)
    assert caught.value.params == {"missing": "@authority, @path, @query"}


def test_a_component_with_parameters_does_not_count_as_covered() -> None:
    headers = library_signed(("@method", "@authority", "@path", "@query", '"content-type";bs',
                              "content-digest"))
    with pytest.raises(SignatureIncomplete):
        verify(headers)


@pytest.mark.parametrize("param", ["expires", "nonce"])
def test_a_genuine_signature_without_a_required_parameter(param: str) -> None:
    headers = library_signed(FULL, **{param: None})
    with pytest.raises(SignatureIncomplete) as caught:
        verify(headers)
    assert caught.value.params == {"missing": param}


def test_a_content_type_added_after_signing_is_not_covered() -> None:
    headers = signed(headers={})
    with pytest.raises(SignatureIncomplete):
        verify({**headers, "Content-Type": "application/x-www-form-urlencoded"})


@pytest.mark.parametrize("method, url", [
    ("PUT", URL),
    ("POST", URL.replace("/sync/events", "/sync/materials")),
    ("POST", URL.replace("since=3", "since=0")),
    ("POST", URL.replace("?since=3&node=450981104201", "")),
    ("POST", URL.replace("hub.example:8443", "county-hub.example:8443")),
])
def test_tampered_method_path_query_or_authority(method: str, url: str) -> None:
    with pytest.raises(SignatureInvalid) as caught:
        verify(signed(), method, url)
    assert caught.value.params == {"key_id": NODE}


def test_tampered_content_type() -> None:
    with pytest.raises(SignatureInvalid):
        verify({**signed(), "Content-Type": "text/plain"})


def test_a_chunk_cannot_be_moved_to_another_offset() -> None:
    upload = {"Content-Type": "application/offset+octet-stream", "Upload-Offset": "1048576",
              "Upload-Checksum": "sha256 AAAA"}
    headers = signed(headers=upload)
    assert "upload-offset" in params_of(headers)[0]
    assert verify(headers) == NODE
    with pytest.raises(SignatureInvalid):
        verify({**headers, "Upload-Offset": "0"})
    with pytest.raises(SignatureInvalid):
        verify({**headers, "Upload-Checksum": "sha256 BBBB"})
    with pytest.raises(SignatureIncomplete):  # added after signing: not covered
        verify({**signed(), "Upload-Offset": "0"})


def test_tampered_body_under_the_same_digest_header() -> None:
    with pytest.raises(DigestMismatch):
        verify(signed(), body=BODY.replace(b"4", b"5"))


def test_truncated_upload() -> None:
    with pytest.raises(DigestMismatch) as caught:
        verify(signed(), body=BODY[:-10])
    assert caught.value.status == 400 and caught.value.slug == "digest-mismatch"


def test_tampered_body_with_its_digest_header_recomputed() -> None:
    forged = BODY.replace(b"4", b"5")
    with pytest.raises(SignatureInvalid):
        verify({**signed(), "Content-Digest": content_digest(forged)}, body=forged)


@pytest.mark.parametrize("value", [
    "sha-256=:" + base64.b64encode(b"\0" * 32).decode() + ":",
    "sha-256=" + hashlib.sha256(BODY).hexdigest(),
    "sha-256=:not base64:",
    "sha-256=:" + base64.b64encode(hashlib.sha256(BODY).digest()).decode() + ":, "
    "sha-512=:" + base64.b64encode(b"\0" * 64).decode() + ":",
])
def test_tampered_digest_header(value: str) -> None:
    with pytest.raises(DigestMismatch):
        verify({**signed(), "Content-Digest": value})


@pytest.mark.parametrize("value", [None, "sha-512=:" + base64.b64encode(
    hashlib.sha512(BODY).digest()).decode() + ":"])
def test_missing_digest(value: str | None) -> None:
    headers = signed()
    del headers["Content-Digest"]
    if value is not None:
        headers["Content-Digest"] = value
    with pytest.raises(DigestMissing) as caught:
        verify(headers)
    assert isinstance(caught.value, DigestMismatch) and caught.value.status == 400


def test_tampered_signature_bytes() -> None:
    headers = signed()
    raw = bytearray(base64.b64decode(headers["Signature"].removeprefix("sig1=:")[:-1]))
    raw[10] ^= 1
    with pytest.raises(SignatureInvalid):
        verify({**headers, "Signature": f"sig1=:{base64.b64encode(bytes(raw)).decode()}:"})


@pytest.mark.parametrize("old, new", [
    (f"created={NOW}", f"created={NOW - 1}"),
    (f"expires={NOW + 300}", f"expires={NOW + 3000}"),
    ('nonce="abc"', 'nonce="abd"'),
    ('keyid="450981104201"', 'keyid="450981104202"'),
    ('"@query" ', '"@query" "accept" '),
    ('("@method" "@authority"', '("@authority" "@method"'),
])
def test_tampered_signature_input_parameters(old: str, new: str) -> None:
    with pytest.raises(SignatureInvalid):
        verify(edit_input(signed(nonce="abc"), old, new))


def test_signature_input_parameters_tampered_to_claim_another_station() -> None:
    with pytest.raises(SignatureInvalid) as caught:
        verify(edit_input(signed(), 'keyid="450981104201"', 'keyid="450981104202"'))
    assert caught.value.params == {"key_id": OTHER}


def test_signed_with_the_wrong_key() -> None:
    with pytest.raises(SignatureInvalid):
        verify(signed(key=OTHER_KEY, key_id=NODE))
    assert verify(signed(key=OTHER_KEY, key_id=OTHER)) == OTHER


def test_unknown_key_id() -> None:
    with pytest.raises(UnknownKey) as caught:
        verify(signed(key_id="450981999999"))
    assert caught.value.params == {"key_id": "450981999999"}
    assert caught.value.status == 401 and caught.value.slug == "unknown-key"


# --- time ---------------------------------------------------------------------


def test_expired() -> None:
    headers = signed()
    assert verify(headers, now=NOW + 300 + 300) == NODE  # expires + max_skew: still good
    with pytest.raises(SignatureExpired) as caught:
        verify(headers, now=NOW + 300 + 300 + 1)
    assert caught.value.params == {"created": "2025-06-15 23:06:40 (UTC+8)",
                                   "expires": "2025-06-15 23:11:40 (UTC+8)"}


def test_strict_expiry_without_skew_allowance() -> None:
    headers = signed()
    assert verify(headers, now=NOW + 300, max_skew=0) == NODE
    with pytest.raises(SignatureExpired):
        verify(headers, now=NOW + 301, max_skew=0)


def test_too_old_even_if_it_claims_to_expire_later() -> None:
    headers = signed(expires_in=86_400)
    assert verify(headers, now=NOW + 60 + 240, max_age=60, max_skew=240) == NODE
    with pytest.raises(SignatureExpired):
        verify(headers, now=NOW + 60 + 240 + 1, max_age=60, max_skew=240)


def test_a_slow_village_clock_is_tolerated_up_to_validity_plus_max_skew() -> None:
    # The station's clock is 8 minutes behind: its request looks expired 3 minutes ago.
    assert verify(signed(created=NOW - 480)) == NODE
    assert verify(signed(created=NOW - 600)) == NODE
    with pytest.raises(SignatureExpired):
        verify(signed(created=NOW - 601))
    with pytest.raises(SignatureExpired):
        verify(signed(created=NOW - 480), max_skew=60)


def test_future_dated() -> None:
    assert verify(signed(created=NOW + 300)) == NODE  # a fast village clock
    with pytest.raises(SignatureNotYetValid) as caught:
        verify(signed(created=NOW + 301))
    assert caught.value.params == {"created": "2025-06-15 23:11:41 (UTC+8)",
                                   "now": "2025-06-15 23:06:40 (UTC+8)"}
    with pytest.raises(SignatureNotYetValid):
        verify(signed(created=NOW + 61), max_skew=60)


def test_times_in_messages_are_china_time_and_never_fail() -> None:
    from sync.httpsig import _shown

    assert _shown(0) == "1970-01-01 08:00:00 (UTC+8)"
    assert _shown(999_999_999_999_999) == "999999999999999"  # beyond any calendar


# --- replay -------------------------------------------------------------------


def test_replayed_nonce() -> None:
    nonces = NonceCache()
    headers = signed()
    assert verify(headers, nonces=nonces) == NODE
    with pytest.raises(RequestReplayed) as caught:
        verify(headers, nonces=nonces, now=NOW + 100)
    assert caught.value.params["key_id"] == NODE
    assert caught.value.status == 401 and caught.value.slug == "request-replayed"
    assert verify(signed(), nonces=nonces) == NODE  # a re-signed retry is a new request


def test_the_same_nonce_from_another_station_is_not_a_replay() -> None:
    nonces = NonceCache()
    assert verify(signed(nonce="same"), nonces=nonces) == NODE
    assert verify(signed(nonce="same", key=OTHER_KEY, key_id=OTHER), nonces=nonces) == OTHER


def test_forged_requests_are_not_remembered() -> None:
    nonces = NonceCache()
    headers = signed()
    with pytest.raises(SignatureInvalid):
        verify(headers, "PUT", nonces=nonces)
    with pytest.raises(DigestMismatch):
        verify(headers, body=b"", nonces=nonces)
    assert len(nonces) == 0
    assert verify(headers, nonces=nonces) == NODE


def test_a_replay_after_the_nonce_is_forgotten_is_refused_as_expired() -> None:
    nonces = NonceCache()
    headers = signed()
    verify(headers, nonces=nonces)
    assert len(nonces) == 1
    later = NOW + 300 + 300 + 1
    assert verify(signed(created=later), nonces=nonces, now=later) == NODE
    assert len(nonces) == 1  # the first nonce was forgotten when the second came in
    with pytest.raises(SignatureExpired):
        verify(headers, nonces=nonces, now=later)


def test_nonce_cache_remembers_until_expiry_then_forgets() -> None:
    cache = NonceCache()
    assert cache.seen(NODE, "n1", expires=NOW + 10, now=NOW) is False
    assert cache.seen(NODE, "n1", expires=NOW + 10, now=NOW + 10) is True
    assert cache.seen(NODE, "n2", expires=NOW + 20, now=NOW + 11) is False
    assert len(cache) == 1  # n1 pruned on insert
    assert cache.seen(NODE, "n1", expires=NOW + 30, now=NOW + 11) is False
    assert cache.seen(NODE, "old", expires=NOW, now=NOW + 11) is False  # already dead
    assert len(cache) == 2


def test_nonce_cache_memory_stays_bounded() -> None:
    cache = NonceCache()
    for second in range(10_000):
        assert cache.seen(NODE, f"n{second}", expires=NOW + second + 600, now=NOW + second) \
            is False
    assert len(cache) == 601


def test_nonce_cache_hard_cap_refuses_rather_than_forgets() -> None:
    cache = NonceCache(max_entries=3)
    for i in range(3):
        cache.seen(NODE, f"n{i}", expires=NOW + 100 + i, now=NOW)
    with pytest.raises(ReplayCacheFull) as caught:
        cache.seen(NODE, "n3", expires=NOW + 200, now=NOW + 40)
    assert caught.value.params == {"count": 3, "retry_after": 61}
    assert caught.value.status == 503
    assert cache.seen(NODE, "n0", expires=NOW + 100, now=NOW + 40) is True  # still remembered
    assert cache.seen(NODE, "n3", expires=NOW + 200, now=NOW + 101) is False  # n0 forgotten
    assert len(cache) == 3
    with pytest.raises(ValueError):
        NonceCache(max_entries=0)


def test_any_nonce_store_will_do() -> None:
    class Table:
        def __init__(self) -> None:
            self.rows: set[tuple[str, str]] = set()

        def seen(self, key_id: str, nonce: str, expires: int, now: int) -> bool:
            if (key_id, nonce) in self.rows:
                return True
            self.rows.add((key_id, nonce))
            return False

    table = Table()
    headers = signed()
    verify(headers, nonces=table)
    with pytest.raises(RequestReplayed):
        verify(headers, nonces=table)


# --- the errors -----------------------------------------------------------------

NEW_ERRORS = [SignatureRefused, SignatureMissing, SignatureMalformed, SignatureIncomplete,
              SignatureInvalid, UnknownKey, SignatureExpired, SignatureNotYetValid,
              RequestReplayed, DigestMismatch, DigestMissing, ReplayCacheFull]


@pytest.mark.parametrize("error", NEW_ERRORS)
def test_errors_carry_status_slug_and_a_message(error: type[SyncError]) -> None:
    assert issubclass(error, SyncError) and error.__module__ == sync.errors.__name__
    status, slug = getattr(error, "status"), getattr(error, "slug")  # noqa: B009
    assert status == {DigestMismatch: 400, DigestMissing: 400, ReplayCacheFull: 503}.get(
        error, 401)
    assert slug.islower() and " " not in slug
    names = [n for _, n, _, _ in string.Formatter().parse(
        inspect.cleandoc(error.__doc__ or "")) if n]
    text = str(error(**{n: "X" for n in names}))
    assert "{" not in text and "请求" in text


def test_slugs_are_distinct() -> None:
    assert len({getattr(e, "slug") for e in NEW_ERRORS}) == len(NEW_ERRORS)  # noqa: B009


def every_refusal() -> list[Callable[[], object]]:
    headers = signed()
    return [lambda: verify({}), lambda: verify(headers, "PUT"),
            lambda: verify(headers, now=NOW + 10_000), lambda: verify(headers, body=b"")]


def test_refusals_render_without_missing_placeholders() -> None:
    for refuse in every_refusal():
        with pytest.raises(SyncError) as caught:
            refuse()
        assert "{" not in str(caught.value)


# --- properties -----------------------------------------------------------------

paths = st.lists(st.text(min_size=0, max_size=12), max_size=4).map(
    lambda parts: "/" + "/".join(quote(part, safe="") for part in parts))
queries = st.one_of(st.just(""), st.dictionaries(
    st.text(min_size=1, max_size=6), st.text(max_size=8), max_size=3).map(
    lambda q: "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in q.items())))


@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=2048), path=paths, query=queries,
       method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]))
def test_property_sign_verify_round_trips(body: bytes, path: str, query: str,
                                          method: str) -> None:
    url = f"https://hub.example{path}{query}"
    assert verify(signed(method, url, body), method, url, body) == NODE


@settings(max_examples=150, deadline=None)
@given(data=st.data(), body=st.binary(min_size=1, max_size=2048), path=paths)
def test_property_any_single_byte_change_to_the_body_is_a_digest_mismatch(
        data: st.DataObject, body: bytes, path: str) -> None:
    url = f"https://hub.example{path}"
    headers = signed(url=url, body=body)
    index = data.draw(st.integers(0, len(body) - 1))
    delta = data.draw(st.integers(1, 255))
    changed = bytearray(body)
    changed[index] ^= delta
    with pytest.raises(DigestMismatch):
        verify(headers, url=url, body=bytes(changed))
    assert verify(headers, url=url, body=body) == NODE
