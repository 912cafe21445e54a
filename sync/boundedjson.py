"""JSON request bodies parsed only once their shape is known to be bounded.

``json.loads`` recurses once per level of nesting: a body of 100,000 ``[``
raises RecursionError (a 500 and a traceback), and a body of millions of tiny
members costs far more memory than its bytes.  ``loads`` first scans the bytes
(strings skipped by one regular expression, so only brackets and commas are
looked at in Python) and refuses a body nested deeper than ``MAX_DEPTH`` or
holding more than ``MAX_MEMBERS`` array elements and object members in all,
with ``BodyTooComplex`` (400), before ``json.loads`` sees it.

Pure: bytes in, a value or a ``SyncError`` out.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sync.problems import BodyTooComplex, RequestMalformed

MAX_DEPTH = 32  # levels of [ and { (our deepest documents use under 10)
MAX_MEMBERS = 200_000  # array elements plus object members in one body, all levels together

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_STRUCTURE = re.compile(rb"[\[\]{},]")


def check_shape(body: bytes) -> None:
    """Raise BodyTooComplex if ``body`` nests deeper than MAX_DEPTH or has over MAX_MEMBERS."""
    opened = body.count(b"[") + body.count(b"{")
    if opened <= MAX_DEPTH and opened + body.count(b",") <= MAX_MEMBERS:
        return  # even counting the brackets and commas inside strings, within bounds
    depth = members = 0
    for match in _STRUCTURE.finditer(_STRING.sub(b'""', body)):
        char = match.group()
        if char in b"[{":
            depth += 1
            members += 1
            if depth > MAX_DEPTH:
                raise BodyTooComplex(depth=MAX_DEPTH, members=MAX_MEMBERS, reason="depth")
        elif char == b",":
            members += 1
        else:
            depth -= 1
        if members > MAX_MEMBERS:
            raise BodyTooComplex(depth=MAX_DEPTH, members=MAX_MEMBERS, reason="members")


def loads(body: bytes) -> Any:
    """The JSON value of a request body (``{}`` for none); RequestMalformed if not JSON."""
    if not body:
        return {}
    check_shape(body)
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise RequestMalformed(reason="请求内容不是 JSON") from None
