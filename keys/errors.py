"""Errors of the key vault and the cryptographic primitives.

KeysError                 any problem with keys; the root of this package
├── VaultMissing          no vault in the data directory
├── VaultExists           init over an existing vault
├── VaultCorrupt          vault file unreadable or inconsistent
├── WrongPassphrase       passphrase does not unlock the user's slot
├── WrongRecoveryKey      recovery key does not unlock the vault
├── UnknownUser           no key slot for this user
├── UserExists            a key slot for this user already exists
├── LastUser              removing the only slot would lock everyone out
├── InvalidUserName       empty, too long, padded or with control characters
├── PassphraseTooWeak     passphrase too short
├── VaultTooNew           vault written by a newer format version
└── DecryptionFailed      ciphertext tampered with, truncated, swapped or wrong key
    └── StreamTruncated   an encrypted material ends before its last chunk

Each docstring is the message a person reads (Chinese, the source language of
the message catalogue); ``{name}`` placeholders are filled from the keyword
arguments given when raising.
"""


from __future__ import annotations


class KeysError(Exception):
    """密钥出错。"""

    def __init__(self, **params: object) -> None:
        super().__init__(params)
        self.params = params

    def __str__(self) -> str:
        return (self.__doc__ or "").strip().format_map(self.params)


class VaultMissing(KeysError):
    """数据目录 {path} 中没有密钥库，请先运行 station init 初始化本站。"""


class VaultExists(KeysError):
    """数据目录 {path} 中已经有密钥库，不能重复初始化。"""


class VaultCorrupt(KeysError):
    """密钥库文件 {path} 已损坏或被改动（{reason}），请用恢复密钥恢复，或联系县级管理员。"""


class WrongPassphrase(KeysError):
    """用户 {user} 的口令不正确，请重新输入。没有改动任何数据。"""


class WrongRecoveryKey(KeysError):
    """恢复密钥不正确，请核对恢复密钥单上的字符后重试。没有改动任何数据。"""


class UnknownUser(KeysError):
    """本站没有用户 {user}。"""


class UserExists(KeysError):
    """用户 {user} 已经存在。"""


class LastUser(KeysError):
    """不能删除用户 {user}：这是本站最后一个能解锁密钥库的用户。"""


class InvalidUserName(KeysError):
    """用户名“{user}”不可用：不能为空或超过 {maximum} 个字，首尾不能有空格，不能含控制字符。"""


class VaultTooNew(KeysError):
    """密钥库文件 {path} 的格式版本 {found} 比本程序支持的 {supported} 新，请先升级程序。"""


class PassphraseTooWeak(KeysError):
    """口令太短：至少需要 {minimum} 个字符。"""


class DecryptionFailed(KeysError):
    """数据无法解密：{what} 已损坏、被改动或被替换。"""


class StreamTruncated(DecryptionFailed):
    """材料文件 {what} 不完整（被截断），无法读取。"""


# Sealing and signing (keys/suites.py, keys/seal.py, keys/sign.py):
# KeysError ├── UnknownSuite, InvalidKey, NotARecipient, BadSignature
# DecryptionFailed └── SuiteNotSupported   a sealed object names a suite this program lacks


class UnknownSuite(KeysError):
    """不认识的加密套件“{suite}”：本程序不支持，请升级程序或联系县级管理员。"""


class InvalidKey(KeysError):
    """密钥数据无效，不能用于加密套件 {suite}。请向县级管理员重新获取该密钥。"""


class NotARecipient(KeysError):
    """本站没有{what}收件人的密钥，无法解密。收件人：{recipients}。"""


class SuiteNotSupported(DecryptionFailed):
    """{what} 使用了本程序不支持的加密套件“{suite}”，无法解密：数据可能已损坏，或需要升级本程序。"""


class BadSignature(KeysError):
    """{what} 的签名无效：内容或签名已被改动、已损坏，或不是用所声明的密钥签署的。"""


# Certificates, revocation lists and enrolment (keys/hierarchy.py, keys/ca.py,
# keys/revocation.py, keys/enrolment.py):
# KeysError
# ├── TrustError                  a certificate, request or revocation list is refused
# │   ├── NodeCodeInvalid         not a well-formed 12-digit division code
# │   ├── TierMismatch            the tier named does not fit the code
# │   ├── NotUnderIssuer          the node lies outside the issuer's area
# │   ├── NotAnIssuer             the issuer's certificate may not certify at this level
# │   ├── IssuingKeyNotAllowed    only townships hold issuing keys
# │   ├── UnsupportedKey          neither Ed25519 (node) nor P-256 (issuing)
# │   ├── RequestForged           a request's own signature is wrong
# │   ├── RequestMalformed        a request lacks a code, tier, name or key
# │   ├── CertificateExpired, CertificateNotYetValid, CertificateRevoked
# │   ├── ChainInvalid            {reason}: IssuerMissing, SignatureForged, CertificateMalformed
# │   ├── PemInvalid              not a PEM certificate or request
# │   └── RevocationInvalid       a revocation list tampered with or from another root
# └── EnrolmentCodeMistyped, EnrolmentCodeExpired, EnrolmentCodeUsed,
#     EnrolmentProofInvalid, EnrolmentRequestMismatch


class TrustError(KeysError):
    """证书、证书申请或吊销列表未通过核验。"""


class NodeCodeInvalid(TrustError):
    """站点编码 {code} 不正确：应为 12 位统计用行政区划代码，前 6 位是县级代码。"""


class TierMismatch(TrustError):
    """站点编码 {code} 与层级“{tier}”不符。"""


class NotUnderIssuer(TrustError):
    """站点 {child} 不在站点 {parent} 的辖区内，{parent} 不能为它签发证书。"""


class NotAnIssuer(TrustError):
    """站点 {issuer} 的证书无权签发这一级证书（不是签发证书，或超出了允许的层级）。"""


class IssuingKeyNotAllowed(TrustError):
    """站点 {code} 不能持有签发密钥：只有乡镇能为本乡镇的村签发证书。"""


class UnsupportedKey(TrustError):
    """不支持的密钥类型 {kind}：站点签名密钥应为 Ed25519，签发密钥应为 ECDSA P-256。"""


class RequestForged(TrustError):
    """证书申请的签名不正确：申请文件已损坏或被改动，请让申请的站点重新生成。"""


class RequestMalformed(TrustError):
    """证书申请的格式不对（站点编码、层级、名称或密钥缺少或多余），请让申请的站点重新生成。"""


class CertificateExpired(TrustError):
    """站点 {code} 的证书已于 {not_after} 过期，请向上级重新申请证书。"""


class CertificateNotYetValid(TrustError):
    """站点 {code} 的证书要到 {not_before} 才生效，请检查本机的日期和时间。"""


class CertificateRevoked(TrustError):
    """站点 {code} 的证书已被县级吊销，不再信任它的签名。"""


class ChainInvalid(TrustError):
    """站点 {code} 的证书链无效：{reason}"""


class IssuerMissing(TrustError):
    """找不到站点 {code} 证书的签发证书（证书链不完整，或不是本县签发的）。"""


class SignatureForged(TrustError):
    """站点 {code} 的证书签名不正确：证书是伪造的或被改动过。"""


class CertificateMalformed(TrustError):
    """站点 {code} 的证书不符合本系统的证书格式。"""


class PemInvalid(TrustError):
    """文件不是有效的证书或证书申请（PEM 格式），可能已损坏或选错了文件。"""


class RevocationInvalid(TrustError):
    """吊销列表已损坏、被改动或不是本县签发的，已拒绝使用，请向上级重新获取。"""


class EnrolmentCodeMistyped(KeysError):
    """注册码有误：请逐字核对（最后一位是校验位）。"""


class EnrolmentCodeExpired(KeysError):
    """站点 {child} 的注册码已于 {expires_at} 过期，请向上级站点重新申请注册码。"""


class EnrolmentCodeUsed(KeysError):
    """站点 {child} 的注册码已于 {used_at} 用过（只能用一次），请向上级站点重新申请注册码。"""


class EnrolmentProofInvalid(KeysError):
    """证书申请与注册码不符：申请文件被改动，或注册码输错。请核对注册码后在新站点上重新生成申请。"""


class EnrolmentRequestMismatch(KeysError):
    """这个注册码是发给站点 {expected} 的，证书申请却来自站点 {found}。"""


# Office seals (keys/office_seal.py): an office's P-256 key certified by its
# node's issuer (county root or township issuing key) for signing documents.
# KeysError
# ├── OfficeNameInvalid          an office name that cannot go into a certificate
# └── TrustError
#     ├── SealNotForIssuer       an issuer certifying a seal of another node
#     ├── NotASeal               a certificate that is not an office seal
#     ├── SealExpired, SealNotYetValid
#     └── SealRevoked            the seal's serial is on the county's list


class OfficeNameInvalid(KeysError):
    """科室名称“{office}”不可用：不能为空或超过 {maximum} 个字，首尾不能有空格，不能含控制字符。"""


class SealNotForIssuer(TrustError):
    """站点 {issuer} 只能为本站点的科室签发印章证书，不能为站点 {code} 签发。"""


class NotASeal(TrustError):
    """证书“{subject}”不是科室印章证书（印章证书由县级根证书或乡镇签发证书为本站点的科室签发，用途为盖章）。"""


class SealExpired(TrustError):
    """{node}“{office}”的印章证书已于 {not_after} 过期，请由本站点管理员重新制作印章。"""


class SealNotYetValid(TrustError):
    """{node}“{office}”的印章证书要到 {not_before} 才生效，请检查本机的日期和时间。"""


class SealRevoked(TrustError):
    """{node}“{office}”的印章证书（序列号 {serial}）已被县级吊销，不再信任用它盖章的文件。"""
