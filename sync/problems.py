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


class BodyTooComplex(SyncError):
    """请求内容嵌套超过 {depth} 层或成员超过 {members} 个（{reason}），未解析，已拒收。"""

    status, slug = 400, "body-too-complex"


class TooManyUnproven(SyncError):
    """来自 {address} 的未经证实的请求过多，请约 {retry_after} 秒后重试。本次请求未作任何更改。"""

    status, slug = 429, "too-many-unproven"


class HubBusy(SyncError):
    """枢纽站繁忙，稍后自动重试。本次请求未作任何更改。"""

    status, slug = 429, "busy"


class NodeNotServed(SyncError):
    """站点 {node} 不归本枢纽站（{hub}）管辖，请求被拒绝。"""

    status, slug = 403, "not-served"


class NodeNotEnrolled(SyncError):
    """站点 {node} 尚未在本枢纽站登记证书；请先完成入网并重新连接。"""

    status, slug = 401, "not-enrolled"


class NodeRevoked(SyncError):
    """站点 {node} 的证书已被吊销，请求被拒绝。"""

    status, slug = 403, "revoked"


class NodeReplaced(SyncError):
    """站点 {node} 已换用新电脑（县里批准了新的证书），原电脑的证书不能再用来同步。"""

    status, slug = 403, "replaced"


class ReadNotPermitted(SyncError):
    """站点 {node} 无权读取{what}，请求被拒绝。"""

    status, slug = 403, "read-not-permitted"


class MetricsNotPermitted(SyncError):
    """地址 {address} 不在本枢纽站允许读取运行指标的范围内，请求被拒绝；如需从这里采集，请枢纽站管理员把该地址加入允许范围后重启枢纽站。"""  # noqa: E501

    status, slug = 403, "metrics-not-permitted"


class RecipientUnknown(SyncError):
    """事件的接收方 {recipient} 不在本县的站点目录中（站点或科室不存在），整批未收。"""

    status, slug = 403, "recipient-unknown"


class EventNotPermitted(SyncError):
    """{tier}站点 {node} 无权做“{action}”这一步，整批未收。"""

    status, slug = 403, "event-not-permitted"


class EventOutOfState(SyncError):
    """案件 {case_no} 当前状态为“{state}”，不能做“{action}”这一步，整批未收。"""

    status, slug = 409, "event-out-of-state"


class ActionNotPermitted(SyncError):
    """{who} 不能对案件 {case_no} 办理“{action}”：{reason}。未作任何更改。"""

    status, slug = 403, "action-not-permitted"


class ActionOutOfState(SyncError):
    """案件 {case_no} 当前为“{state}”，不能办理“{action}”。未作任何更改。"""

    status, slug = 409, "action-out-of-state"


class EventForked(SyncError):
    """站点 {node} 第 {seq} 条事件与本枢纽站已收的内容不同（已留存为分叉证据），整批未收。"""

    status, slug = 409, "fork"


class CaseNumberNotOwn(SyncError):
    """案件编号 {case_no} 不属于站点 {node}：立案的案件编号须以立案站点的代码开头，已拒收。"""

    status, slug = 403, "case-number-not-own"


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


class UploadSizeConflict(SyncError):
    """材料 {address} 已按 {total} 字节开始上传，与这次声明的 {declared} 字节不符，已拒收。"""

    status, slug = 409, "upload-size-conflict"


class MaterialAddressInvalid(SyncError):
    """材料地址“{address}”不是 64 位十六进制的 SHA-256 摘要，已拒收。"""

    status, slug = 400, "bad-address"


class MaterialDigestMismatch(SyncError):
    """材料 {address} 已收齐，但整体摘要与地址不符，已丢弃，请重新上传。"""

    status, slug = 422, "material-digest"


class WrongAuthority(SyncError):
    """请求是为 {authority} 签发的，不是发给本枢纽站（{names}）的，已拒收。"""

    status, slug = 403, "wrong-authority"


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


class StorageRefused(SyncError):
    """枢纽站的磁盘已满或只读，这批数据没有收下，也没有作任何更改；本站会在下次同步时重发。请通知枢纽站的管理员腾出磁盘空间。"""

    status, slug = 507, "storage-refused"


class MaterialStoreUnavailable(SyncError):
    """枢纽站暂时无法存取材料（材料存储已满、只读或连不上），这份材料没有收下；本站会在下次同步时重发。请通知枢纽站的管理员。"""

    status, slug = 503, "material-store-unavailable"


class HubAnswered(SyncError):
    """枢纽站答复：{detail}"""

    status, slug = 502, "hub-error"


class BundleInvalid(SyncError):
    """离线数据包 {path} 无法使用：{reason}。未导入任何内容。"""

    status, slug = 400, "bad-bundle"


# Enrolment over the protocol, catalogue and calendar updates (sync/hub/enrolments.py,
# sync/hub/updates.py, sync/updates.py).


class RequestTooLarge(SyncError):
    """请求内容超过上限 {limit} 字节，已拒收，未作任何更改。"""

    status, slug = 413, "request-too-large"


class EnrolmentNotInvited(SyncError):
    """站点 {node} 没有可用的注册码（未签发、已用过或已过期），申请未保存；请向上级索取新注册码。"""

    status, slug = 403, "enrolment-not-invited"


class EnrolmentScreenFailed(SyncError):
    """站点 {node} 的入网申请与注册码不符（注册码输错，或申请被改动），未保存。"""

    status, slug = 403, "enrolment-proof"


class EnrolmentUnknown(SyncError):
    """枢纽站没有站点 {node} 的入网申请；请先在新站点上提交入网申请（“入网”页面）。"""

    status, slug = 404, "enrolment-unknown"


class ApprovalInvalid(SyncError):
    """站点 {node} 的证书无法核验到本县根证书（已吊销、已过期或被改动），未保存。"""

    status, slug = 422, "approval-invalid"


class ApprovalMismatch(SyncError):
    """站点 {node} 的证书与枢纽站收到的入网申请不符（密钥不同），未保存。"""

    status, slug = 409, "approval-mismatch"


class RefusalInvalid(SyncError):
    """拒绝入网的通知无法核验（签名不符，或签署的站点未在本枢纽站登记），未保存；入网申请的状态没有改变。"""

    status, slug = 403, "refusal-invalid"


class RefusalNotApprover(SyncError):
    """站点 {signer} 不是站点 {node} 入网申请的审批站点，无权拒绝；拒绝通知未保存，入网申请的状态没有改变。"""  # noqa: E501

    status, slug = 403, "refusal-not-approver"


class RefusalMismatch(SyncError):
    """拒绝通知与枢纽站上站点 {node} 的入网申请不符（申请已重新提交，或已获批准），未保存。"""

    status, slug = 409, "refusal-mismatch"


class UpdateOutdated(SyncError):
    """{what}更新的第 {version} 版不比已有的第 {held} 版新，未采用（旧版本不能覆盖新版本）。"""

    status, slug = 409, "update-outdated"


class UpdateSignerInvalid(SyncError):
    """{what}更新的签发者 {node} 不是本县的县级站点，或其证书无效，未采用。"""

    status, slug = 403, "update-signer"


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


# Offline bundles (sync/bundle.py, sync/hub/bundle_import.py, station/network/bundle.py):
# client-side only, never sent by a hub.  Each says that nothing was imported.


class NotABundle(BundleInvalid):
    """文件 {path} 不是便民站的离线数据包，未导入任何内容。"""

    slug = "not-a-bundle"


class BundleDamaged(BundleInvalid):
    """离线数据包 {path} 已损坏或不完整（{part} 校验不符），可能没有拷完或U盘出错；请重新导出、拷贝后再导入。未导入任何内容。"""  # noqa: E501

    slug = "bundle-damaged"


class BundleMalformed(BundleInvalid):
    """离线数据包 {path} 的清单格式不正确（数据不完整或被改动），未导入任何内容。"""

    slug = "bundle-malformed"


class BundleTooNew(BundleInvalid):
    """离线数据包 {path} 的格式版本 {version} 比本程序新，请先升级本程序再导入。未导入任何内容。"""

    slug = "bundle-too-new"


class BundleSignatureInvalid(BundleInvalid):
    """离线数据包 {path} 的签名与内容不符（署名站点 {node}），可能被篡改或伪造，未导入任何内容。"""

    slug = "bundle-signature"


class BundleSignerNotEnrolled(BundleInvalid):
    """离线数据包 {path} 的署名站点 {node} 没有在本县入网（证书链不通到县级根证书），未导入任何内容。"""  # noqa: E501

    slug = "bundle-not-enrolled"


class BundleSignerRevoked(BundleInvalid):
    """离线数据包 {path} 的署名站点 {node} 的证书已被吊销，未导入任何内容。"""

    slug = "bundle-revoked"


class BundleForAnotherNode(BundleInvalid):
    """离线数据包 {path} 是发给站点 {target} 的，不是本站（{node}），未导入任何内容。"""

    slug = "bundle-other-node"


class BundleFromAnotherHub(BundleInvalid):
    """离线数据包 {path} 由站点 {node} 签发，不是本站的枢纽站（{hub}），未导入任何内容。"""

    slug = "bundle-other-hub"


class BundleWrongKind(BundleInvalid):
    """离线数据包 {path} 不能在这里导入：站点导出的同步包在枢纽站的“管理”中导入，枢纽站发回的回执包在站点的“同步”页面导入。未导入任何内容。"""  # noqa: E501

    slug = "bundle-wrong-kind"


class BundleNotWritten(SyncError):
    """无法写入离线数据包 {path}（{reason}）。请检查U盘或文件夹能否写入、空间是否足够。"""

    status, slug = 500, "bundle-not-written"


class BundleUnreadable(BundleInvalid):
    """无法读取离线数据包 {path}（{reason}）；请检查U盘是否插好、文件名是否正确。未导入任何内容。"""

    slug = "bundle-unreadable"
