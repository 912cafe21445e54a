"""One-time enrolment codes: typing mistakes caught, the code never travels, used once.

``tests/data/keys/ca-v1/enrolment.json`` freezes a code, its digest and a
proof over a fixed request (all deterministic).  Regenerate only for a new
format version::

    PYTHONPATH=. .venv/bin/python tests/test_keys_enrolment.py
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from seeded import SeededRandom

from keys.ca import (
    approve,
    create_root,
    issuing_csr,
    new_issuing_key,
    node_csr,
    to_pem,
    verify_node,
)
from keys.enrolment import (
    CHECK_SYMBOLS,
    EnrolmentGrant,
    check_proof,
    code_digest,
    new_code,
    parse_code,
    request_proof,
)
from keys.errors import (
    EnrolmentCodeExpired,
    EnrolmentCodeMistyped,
    EnrolmentCodeUsed,
    EnrolmentProofInvalid,
    EnrolmentRequestMismatch,
    RequestMalformed,
)
from keys.recovery import ALPHABET

DATA = Path(__file__).parent / "data" / "keys" / "ca-v1"
NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
COUNTY, TOWNSHIP, VILLAGE = "450981000000", "450981104000", "450981104201"
SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-Z]$")
MISTYPED = "注册码有误：请逐字核对（最后一位是校验位）。"



def codes(count: int, seed: str = "codes") -> list[str]:
    randbytes = SeededRandom(seed)
    return [new_code(randbytes) for _ in range(count)]


def signing_key(seed: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(SeededRandom(seed)(32))


def village_request(seed: str = "village", code: str = VILLAGE) -> bytes:
    return to_pem(node_csr(signing_key(seed), code, "village", "示范村便民服务站"))


def grant_for(code: str, child: str = VILLAGE, tier: str = "village") -> EnrolmentGrant:
    return EnrolmentGrant(code_digest(code), child, tier, NOW + timedelta(days=7))


# -- the code ---------------------------------------------------------------


def test_new_codes_look_right() -> None:
    made = codes(2000)
    assert all(SHAPE.match(code) for code in made)
    assert len(set(made)) == len(made)
    assert {code[-1] for code in made} <= set(ALPHABET) | {"U"}  # never * ~ $ =
    assert all(parse_code(code) == code for code in made)
    assert codes(5, "again") == codes(5, "again")


def with_check(data: str) -> str:
    """Crockford's rule written out: the base-32 value of the data, mod 37."""
    number = sum(ALPHABET.index(s) * 32 ** i for i, s in enumerate(reversed(data)))
    check = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U"[number % 37]
    return f"{data[:4]}-{data[4:8]}-{data[8:]}-{check}"


def test_the_check_symbol_is_crockfords_mod_37() -> None:
    assert new_code(lambda size: bytes(size - 1) + b"\x10") == "0000-0000-0001-1"  # value 1
    assert all(code == with_check(code.replace("-", "")[:12]) for code in codes(500, "mod37"))
    assert CHECK_SYMBOLS == "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U"
    # Values 32 to 36 take the check symbols a generated code avoids; they are still read.
    special = [with_check(f"0000000000{tail}") for tail in ("10", "11", "12", "13", "14")]
    assert [code[-1] for code in special] == ["*", "~", "$", "=", "U"]
    assert [parse_code(code.lower()) for code in special] == special


def test_typing_is_forgiven() -> None:
    code = codes(1, "forgiving")[0]
    assert parse_code(code.lower()) == code
    assert parse_code(" " + code.replace("-", " ") + "\n") == code
    assert parse_code(code.replace("-", "")) == code
    zeros_and_ones = with_check("010101010101")
    text = zeros_and_ones.replace("0", "o", 2).replace("1", "I", 1).replace("1", "l", 1)
    assert parse_code(text) == zeros_and_ones


def test_every_single_substitution_is_caught() -> None:
    for code in codes(40, "substitutions"):
        symbols = code.replace("-", "")
        for position in range(len(symbols)):
            for replacement in CHECK_SYMBOLS:  # the data alphabet and the check symbols
                if replacement == symbols[position]:
                    continue
                typed = symbols[:position] + replacement + symbols[position + 1:]
                with pytest.raises(EnrolmentCodeMistyped):
                    parse_code(typed)


def test_every_neighbour_swap_is_caught() -> None:
    for code in codes(40, "swaps"):
        symbols = code.replace("-", "")
        for position in range(len(symbols) - 1):
            a, b = symbols[position], symbols[position + 1]
            if a == b:
                continue
            with pytest.raises(EnrolmentCodeMistyped):
                parse_code(symbols[:position] + b + a + symbols[position + 2:])


def test_wrong_lengths_and_symbols_are_caught() -> None:
    code = codes(1, "lengths")[0]
    for typed in ("", code[:-1], code + "0", code[:-2], "U" + code[1:], code.replace("-", "_")):
        with pytest.raises(EnrolmentCodeMistyped) as caught:
            parse_code(typed)
        assert str(caught.value) == MISTYPED


# -- digest and proof -------------------------------------------------------


def test_the_digest_hides_the_code_and_ignores_typing() -> None:
    code = codes(1, "digest")[0]
    digest = code_digest(code)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert code_digest(code.lower().replace("-", " ")) == digest
    assert code.replace("-", "") not in digest and code_digest(codes(1, "other")[0]) != digest


def test_proofs_bind_code_and_request() -> None:
    code, other = codes(2, "proofs")
    request = village_request()
    proof = request_proof(code, request)
    assert check_proof(code_digest(code), request, proof)
    assert check_proof(code_digest(code), request, proof.upper() + "\n")
    assert not check_proof(code_digest(other), request, proof)
    assert not check_proof(code_digest(code), village_request("another key"), proof)
    assert not check_proof(code_digest(code), request + b"\n", proof)
    assert not check_proof(code_digest(code), request, "")
    assert not check_proof(code_digest(code), request, "证明")


# -- the parent's grant -----------------------------------------------------


def test_a_used_code_is_refused() -> None:
    grant = grant_for(codes(1, "used")[0])
    grant.check(NOW)
    grant.used_at = NOW + timedelta(hours=1)
    with pytest.raises(EnrolmentCodeUsed) as caught:
        grant.check(NOW + timedelta(hours=2))
    message = str(caught.value)
    assert VILLAGE in message and "只能用一次" in message and "重新申请注册码" in message
    assert "2025-03-01 17:00 (UTC+8)" in message


def test_an_expired_code_is_refused() -> None:
    grant = grant_for(codes(1, "expired")[0])
    grant.check(NOW + timedelta(days=7) - timedelta(seconds=1))
    with pytest.raises(EnrolmentCodeExpired) as caught:
        grant.check(NOW + timedelta(days=7))
    message = str(caught.value)
    assert VILLAGE in message and "过期" in message and "重新申请注册码" in message
    assert "2025-03-08 16:00 (UTC+8)" in message


def test_admission_checks_proof_and_node() -> None:
    code = codes(1, "admit")[0]
    grant = grant_for(code)
    request = village_request()
    [csr] = grant.admit(request, request_proof(code, request), NOW)
    assert csr.public_key() == signing_key("village").public_key()
    with pytest.raises(EnrolmentProofInvalid):
        grant.admit(request, request_proof(codes(1, "wrong")[0], request), NOW)
    stranger = village_request(code="450981104202")
    with pytest.raises(EnrolmentRequestMismatch) as caught:
        grant.admit(stranger, request_proof(code, stranger), NOW)
    assert caught.value.params == {"expected": VILLAGE, "found": "450981104202"}
    doubled = request + village_request("second key")
    with pytest.raises(RequestMalformed):
        grant.admit(doubled, request_proof(code, doubled), NOW)
    grant.used_at = NOW
    with pytest.raises(EnrolmentCodeUsed):
        grant.admit(request, request_proof(code, request), NOW)


def test_a_township_enrols_with_two_keys() -> None:
    code = codes(1, "township")[0]
    grant = grant_for(code, TOWNSHIP, "township")
    node = to_pem(node_csr(signing_key("t"), TOWNSHIP, "township", "示范镇便民服务中心"))
    issuing = to_pem(issuing_csr(new_issuing_key(), TOWNSHIP, "示范镇便民服务中心"))
    bundle = node + issuing
    assert len(grant.admit(bundle, request_proof(code, bundle), NOW)) == 2
    with pytest.raises(RequestMalformed):
        grant.admit(issuing, request_proof(code, issuing), NOW)


def test_enrolment_end_to_end() -> None:
    """Parent prints a code; the village types it, sends request and proof; parent signs."""
    root_key, root = create_root(COUNTY, "北流市政务服务中心", now=NOW)
    printed = new_code()
    grant = EnrolmentGrant(code_digest(printed), VILLAGE, "village", NOW + timedelta(days=7))

    typed = printed.lower().replace("-", " ")
    key = Ed25519PrivateKey.generate()
    request = to_pem(node_csr(key, VILLAGE, "village", "示范村便民服务站"))
    proof = request_proof(parse_code(typed), request)
    assert printed.replace("-", "") not in proof and printed not in request.decode()

    [csr] = grant.admit(request, proof, NOW + timedelta(hours=3))
    cert = approve(csr, root_key, root, now=NOW + timedelta(hours=3))
    grant.used_at = NOW + timedelta(hours=3)
    identity = verify_node(cert, [], root, at=NOW + timedelta(days=1))
    assert identity.code == VILLAGE and identity.public_key == key.public_key()
    with pytest.raises(EnrolmentCodeUsed):
        grant.admit(request, proof, NOW + timedelta(hours=4))


# -- frozen vector ----------------------------------------------------------


def enrolment_vector() -> dict[str, str]:
    code = new_code(SeededRandom("enrolment-v1"))
    request = village_request("enrolment-v1")
    return {
        "code": code,
        "digest": code_digest(code),
        "request": request.decode("ascii"),
        "proof": request_proof(code, request),
    }


def test_frozen_enrolment_vector() -> None:
    frozen = json.loads((DATA / "enrolment.json").read_text(encoding="utf-8"))
    assert parse_code(frozen["code"]) == frozen["code"]
    assert code_digest(frozen["code"]) == frozen["digest"]
    request = frozen["request"].encode("ascii")
    assert check_proof(frozen["digest"], request, frozen["proof"])
    assert enrolment_vector() == frozen


if __name__ == "__main__":
    text = json.dumps(enrolment_vector(), indent=2, sort_keys=True)
    (DATA / "enrolment.json").write_text(text + "\n", encoding="utf-8")
