"""The recovery key as a person types it: Crockford base32 in groups of four.

32 random bytes become 52 symbols (the last carries one bit and four zero
bits), printed as 13 dash-separated groups.  Parsing forgives what people do
when copying from paper: any case, spaces, dashes, and the look-alikes
O for 0 and I or L for 1.
"""

from __future__ import annotations

from keys.errors import WrongRecoveryKey

RECOVERY_KEY_BYTES = 32
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUP = 4
_SYMBOLS = -(-RECOVERY_KEY_BYTES * 8 // 5)  # 52
_PAD_BITS = _SYMBOLS * 5 - RECOVERY_KEY_BYTES * 8  # 4
_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


def format_recovery_key(key: bytes) -> str:
    """``XXXX-XXXX-…`` (upper case, 13 groups) for 32 bytes."""
    if len(key) != RECOVERY_KEY_BYTES:
        raise ValueError("a recovery key is 32 bytes")
    number = int.from_bytes(key, "big") << _PAD_BITS
    symbols = [ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(_SYMBOLS))]
    text = "".join(symbols)
    return "-".join(text[i : i + GROUP] for i in range(0, len(text), GROUP))


def parse_recovery_key(text: str) -> bytes:
    """The 32 bytes behind a typed recovery key; WrongRecoveryKey if malformed."""
    cleaned = "".join(text.split()).upper().translate(_LOOK_ALIKES)
    if len(cleaned) != _SYMBOLS or any(symbol not in _VALUES for symbol in cleaned):
        raise WrongRecoveryKey()
    number = 0
    for symbol in cleaned:
        number = (number << 5) | _VALUES[symbol]
    if number & ((1 << _PAD_BITS) - 1):
        raise WrongRecoveryKey()
    return (number >> _PAD_BITS).to_bytes(RECOVERY_KEY_BYTES, "big")
