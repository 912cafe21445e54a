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
