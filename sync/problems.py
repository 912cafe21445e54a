"""Errors a hub answers with, and their RFC 9457 problem documents.

Each class carries the HTTP ``status`` and a short ``slug`` (the problem
``type`` is ``PROBLEM_BASE + slug``); its docstring is the message a person
reads.  ``problem()`` turns any SyncError into the JSON body, in the
language the client asked for; a client turns a problem back into an error
with ``ProblemAnswer``.
"""

from __future__ import annotations

from typing import Any

from sync.errors import SyncError

PROBLEM_BASE = "https://bianmin.example/problems/"
MEDIA_TYPE = "application/problem+json"


class DocumentMalformed(SyncError):
    """收到的{what}格式不正确，已拒收。"""

    status, slug = 400, "malformed"


class RequestMalformed(SyncError):
    """请求格式不正确：{reason}。本次请求未作任何更改。"""

    status, slug = 400, "malformed-request"


class NodeNotServed(SyncError):
    """站点 {node} 不归本枢纽站（{hub}）管辖，请求被拒绝。"""

    status, slug = 403, "not-served"


class NodeNotEnrolled(SyncError):
    """站点 {node} 尚未在本枢纽站登记证书；请先完成入网并重新连接。"""

    status, slug = 401, "not-enrolled"


class NodeRevoked(SyncError):
    """站点 {node} 的证书已被吊销，请求被拒绝。"""

    status, slug = 403, "revoked"


class EventNotPermitted(SyncError):
    """{tier}站点 {node} 无权产生“{event_type}”事件，整批未收。"""

    status, slug = 403, "event-not-permitted"


class EventOutOfState(SyncError):
    """案件 {case_no} 当前状态为“{state}”，不能接受“{event_type}”事件，整批未收。"""

    status, slug = 409, "event-out-of-state"


class EventForked(SyncError):
    """站点 {node} 第 {seq} 条事件与本枢纽站已收的内容不同（已留存为分叉证据），整批未收。"""

    status, slug = 409, "fork"


class MaterialMissing(SyncError):
    """事件引用的材料 {address} 尚未上传完整，请先上传材料。"""

    status, slug = 409, "material-missing"


class UploadOffsetWrong(SyncError):
    """材料 {address} 的续传位置不对：枢纽站已收 {expected} 字节，请从该处续传。"""

    status, slug = 409, "wrong-offset"


class ChunkCorrupt(SyncError):
    """材料 {address} 的一段数据校验不符（SHA-256），未保存，请重发这一段。"""

    status, slug = 400, "chunk-corrupt"


class UploadTooLarge(SyncError):
    """材料 {address} 超过上限 {limit} 字节，已拒收。"""

    status, slug = 413, "too-large"


class MaterialAddressInvalid(SyncError):
    """材料地址“{address}”不是 64 位十六进制的 SHA-256 摘要，已拒收。"""

    status, slug = 400, "bad-address"


class MaterialDigestMismatch(SyncError):
    """材料 {address} 已收齐，但整体摘要与地址不符，已丢弃，请重新上传。"""

    status, slug = 422, "material-digest"


class NotFound(SyncError):
    """找不到 {what}。"""

    status, slug = 404, "not-found"


class AlreadyClaimed(SyncError):
    """案件 {case_no} 已由 {holder} 认领，不能重复认领。"""

    status, slug = 409, "already-claimed"


class NotClaimHolder(SyncError):
    """案件 {case_no} 不在您名下（认领人：{holder}），不能退回或释放。"""

    status, slug = 409, "not-claim-holder"


class HubUnreachable(SyncError):
    """连不上枢纽站 {address}（{reason}）。办件已安全保存在本机，网络恢复后会自动续传。"""

    status, slug = 503, "unreachable"


class HubAnswered(SyncError):
    """枢纽站答复：{detail}"""

    status, slug = 502, "hub-error"


class BundleInvalid(SyncError):
    """离线数据包 {path} 无法使用：{reason}。未导入任何内容。"""

    status, slug = 400, "bad-bundle"


def problem(error: SyncError, translate: Any = None, instance: str | None = None) -> dict[str, Any]:
    """The RFC 9457 body for ``error`` (``translate`` renders the detail if given)."""
    status = int(getattr(error, "status", 400))
    slug = str(getattr(error, "slug", "error"))
    detail = translate(error) if translate else str(error)
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": type(error).__name__,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    for key, value in error.params.items():
        if isinstance(value, str | int | float | bool) and key not in body:
            body[key] = value
    return body
