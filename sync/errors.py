"""Errors of the sync network.

SyncError        any problem while syncing; the root of this package

Each docstring is the message a person reads (Chinese, the source language of
the message catalogue); ``{name}`` placeholders are filled from the keyword
arguments given when raising.
"""

from __future__ import annotations


class SyncError(Exception):
    """同步出错。"""

    def __init__(self, **params: object) -> None:
        super().__init__(params)
        self.params = params

    def __str__(self) -> str:
        return (self.__doc__ or "").strip().format_map(self.params)


class ClockSkew(SyncError):
    """站点 {node} 的时钟比本站快约 {skew_hours} 小时，未采用其时间；请检查两站的日期和时间。"""


class EnvelopeMalformed(SyncError):
    """收到的事件数据格式不正确（{reason}），已拒收。"""

    status, slug = 400, "malformed-event"


class ReceiptMismatch(SyncError):
    """枢纽站对站点 {node} 第 {seq} 条事件的回执与本站记录不符，未更新发送进度。"""


class ReceiptGoesBack(ReceiptMismatch):
    """枢纽站回执只确认到站点 {node} 第 {seq} 条事件，早于已确认的第 {acked} 条，未更新进度。"""


class ReceiptUnknownHead(ReceiptMismatch):
    """枢纽站回执所指站点 {node} 第 {seq} 条事件（摘要 {digest}）并非本站所发，未更新进度。"""


class OutboxGap(SyncError):
    """站点 {node} 的待发事件不连续：应为第 {expected} 条，却是第 {found} 条，暂停发送。"""


class UploadOffsetInvalid(SyncError):
    """材料续传位置 {offset} 不在 0 到材料大小 {size} 字节之间，请重新开始上传。"""



# Signed requests (sync/httpsig.py).  ``status`` is the HTTP status the hub
# answers with, ``slug`` names the RFC 9457 problem type (see sync/problems.py).


class SignatureRefused(SyncError):
    """请求签名未通过验证，已拒收。"""

    status, slug = 401, "signature-refused"


class SignatureMissing(SignatureRefused):
    """请求没有签名（缺少 {header} 头），已拒收。"""

    slug = "signature-missing"


class SignatureMalformed(SignatureRefused):
    """请求签名的格式不正确（{reason}），已拒收。"""

    slug = "signature-malformed"


class SignatureIncomplete(SignatureRefused):
    """请求签名没有涵盖必需的内容（缺少 {missing}），已拒收。"""

    slug = "signature-incomplete"


class SignatureInvalid(SignatureRefused):
    """站点 {key_id} 的请求签名与请求内容不符，可能被篡改或伪造，已拒收。"""

    slug = "signature-invalid"


class UnknownKey(SignatureRefused):
    """请求签名所用的密钥 {key_id} 不属于本站登记的任何站点，已拒收。"""

    slug = "unknown-key"


class SignatureExpired(SignatureRefused):
    """请求签名已过期（签发于 {created}，有效至 {expires}），已拒收；请检查本机时钟后重试。"""

    slug = "signature-expired"


class SignatureNotYetValid(SignatureRefused):
    """请求签名的签发时间 {created} 比本站时间 {now} 晚太多，已拒收；请检查本机的日期和时间。"""

    slug = "signature-not-yet-valid"


class RequestReplayed(SignatureRefused):
    """站点 {key_id} 的这个请求（随机数 {nonce}）已经收到过，疑为重放，已拒收。"""

    slug = "request-replayed"


class DigestMismatch(SyncError):
    """请求内容与其 Content-Digest 摘要不符，可能上传不完整，已拒收；请重新发送。"""

    status, slug = 400, "digest-mismatch"


class DigestMissing(DigestMismatch):
    """请求缺少 sha-256 内容摘要（Content-Digest 头），已拒收。"""

    slug = "digest-missing"


class ReplayCacheFull(SyncError):
    """本站短时间内收到的请求过多（{count} 个），暂时无法受理；请约 {retry_after} 秒后重试。"""

    status, slug = 503, "replay-cache-full"
