"""Sealing and signing benchmark: the framing's cost over the raw primitives.

Run from the repository root::

    .venv/bin/python bench/bench_crypto.py [--ops 500] [--rounds 21] [--size 2048]

It prints figures, each beside the raw ``cryptography`` calls doing the same
cryptographic work in the same run, as a ratio (ours / raw rate; the target
is at least 0.8).  It asserts nothing: timings depend on the machine, so they
are read by people (docs/performance.md), never checked by tests.

What it measures, interleaving ours and raw in every round:

1. ``keys.seal.seal`` of a ``--size`` byte event payload to two recipients
   (a township office and the county archive), for each sealing suite,
   against two HPKE ``Suite.encrypt`` calls of a fresh 32-byte key and one
   AES-256-GCM encryption of the payload, called directly; ``open_sealed``
   against one HPKE ``Suite.decrypt`` and one AES-256-GCM decryption; and
   the two together.
2. ``keys.sign.sign`` / ``verify`` of a ``--size`` byte message against
   ``Ed25519PrivateKey.sign`` / ``Ed25519PublicKey.verify``.

Progress goes to stderr; the figures to stdout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import bench_store as store_bench
import cryptography
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from keys.seal import Recipient, open_sealed, seal, wrap_info
from keys.sign import sign, verify
from keys.suites import SEAL_HYBRID, SEAL_X25519, generate_sealing_key, seal_suite

OFFICE = "office:450981104000:民政办:1"
ARCHIVE = "archive:450981000000:1"
EVENT_AAD = b"bianmin-event\x1f450981104201\x1f1042\x1fcase.filed"
TARGET = 0.8


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def per_op(call: Callable[[], Any], ops: int) -> float:
    """Seconds per call, over ``ops`` calls in a row."""
    start = time.perf_counter()
    for _ in range(ops):
        call()
    return (time.perf_counter() - start) / ops


def compare(
    ours: Callable[[], Any], raw: Callable[[], Any], ops: int, rounds: int
) -> tuple[float, float, float]:
    """Median seconds per call of ours and of raw, and the median of the rounds' ratios.

    Each round times a batch of ours then a batch of raw (alternating which
    goes first), so a burst of other load on the machine hits one round's pair
    rather than one side; the ratio of each pair is taken before the median.
    """
    ours_samples, raw_samples, ratios = [], [], []
    per_op(ours, max(1, ops // 10))  # warm up
    per_op(raw, max(1, ops // 10))
    for number in range(rounds):
        if number % 2:
            raw_time, ours_time = per_op(raw, ops), per_op(ours, ops)
        else:
            ours_time, raw_time = per_op(ours, ops), per_op(raw, ops)
        ours_samples.append(ours_time)
        raw_samples.append(raw_time)
        ratios.append(raw_time / ours_time)
    return statistics.median(ours_samples), statistics.median(raw_samples), statistics.median(
        ratios
    )


def line(label: str, ours: float, raw: float, ratio: float) -> None:
    verdict = "ok" if ratio >= TARGET else f"BELOW {TARGET}"
    print(
        f"  {label:<20} {1 / ours:>8,.0f}/s ({ours * 1e6:6.1f} µs)   "
        f"raw {1 / raw:>8,.0f}/s ({raw * 1e6:6.1f} µs)   ratio {ratio:.3f}  {verdict}"
    )


def bench_seal(suite: str, payload: bytes, ops: int, rounds: int) -> None:
    office_private, office_public = generate_sealing_key(suite)
    _, archive_public = generate_sealing_key(suite)
    recipients = [Recipient(OFFICE, office_public), Recipient(ARCHIVE, archive_public)]
    keyring = {OFFICE: office_private}
    implementation = seal_suite(suite)
    hpke = implementation.hpke
    office_hpke = implementation.hpke_public(office_public)
    archive_hpke = implementation.hpke_public(archive_public)
    office_hpke_private = implementation.hpke_private(office_private)
    office_info, archive_info = wrap_info(suite, OFFICE), wrap_info(suite, ARCHIVE)
    nonce = bytes(12)

    def ours_seal() -> bytes:
        return seal(payload, recipients, suite, EVENT_AAD)

    def raw_seal() -> tuple[bytes, bytes, bytes]:
        key = os.urandom(32)
        return (
            hpke.encrypt(key, office_hpke, info=office_info),
            hpke.encrypt(key, archive_hpke, info=archive_info),
            AESGCM(key).encrypt(nonce, payload, EVENT_AAD),
        )

    sealed = ours_seal()
    wrapped, _, body = raw_seal()

    def ours_open() -> bytes:
        return open_sealed(sealed, keyring, EVENT_AAD)

    def raw_open() -> bytes:
        key = hpke.decrypt(wrapped, office_hpke_private, info=office_info)
        return AESGCM(key).decrypt(nonce, body, EVENT_AAD)

    def ours_both() -> bytes:
        return open_sealed(seal(payload, recipients, suite, EVENT_AAD), keyring, EVENT_AAD)

    def raw_both() -> bytes:
        key = os.urandom(32)
        first = hpke.encrypt(key, office_hpke, info=office_info)
        hpke.encrypt(key, archive_hpke, info=archive_info)
        ciphertext = AESGCM(key).encrypt(nonce, payload, EVENT_AAD)
        opened = hpke.decrypt(first, office_hpke_private, info=office_info)
        return AESGCM(opened).decrypt(nonce, ciphertext, EVENT_AAD)

    print(f"  {suite}: sealed size {len(sealed):,} B for {len(payload):,} B "
          f"(raw parts {len(wrapped) * 2 + len(body):,} B)")
    line("seal, 2 recipients", *compare(ours_seal, raw_seal, ops, rounds))
    line("open", *compare(ours_open, raw_open, ops, rounds))
    line("seal + open", *compare(ours_both, raw_both, ops, rounds))


def bench_sign(message: bytes, ops: int, rounds: int) -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    public = private.public_key()
    key_id = "node:450981104201:1"
    signature = sign(message, private, key_id)
    raw_signature = private.sign(message)
    print(f"  ed25519: signature blob {len(signature)} B (raw {len(raw_signature)} B)")
    line("sign", *compare(lambda: sign(message, private, key_id),
                          lambda: private.sign(message), ops, rounds))
    line("verify", *compare(lambda: verify(message, signature, public),
                            lambda: public.verify(raw_signature, message), ops, rounds))


def machine() -> str:
    return store_bench.machine(f"cryptography {cryptography.__version__}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Bianmin Station sealing/signing benchmark.")
    parser.add_argument("--ops", type=int, default=500, help="calls per timed batch")
    parser.add_argument("--rounds", type=int, default=21, help="batches of ours and of raw")
    parser.add_argument("--size", type=int, default=2048, help="payload / message bytes")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    payload = os.urandom(args.size)
    print()
    print(f"Bianmin Station sealing/signing benchmark, {datetime.now():%Y-%m-%d %H:%M}")
    print(f"  machine: {machine()}")
    print(f"  medians of {args.rounds} rounds, each a batch of {args.ops:,} calls of ours and of "
          f"raw; ratio = ours / raw rate, median of the rounds' ratios (target ≥ {TARGET})")
    print()
    print(f"1. Sealing a {args.size:,} B event payload to two recipients")
    for suite in (SEAL_X25519, SEAL_HYBRID):
        progress(f"sealing with {suite}")
        bench_seal(suite, payload, args.ops, args.rounds)
    print()
    print(f"2. Signing a {args.size:,} B message")
    progress("signing")
    bench_sign(payload, args.ops, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
