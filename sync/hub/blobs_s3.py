"""A hub's materials in an S3-compatible object store (``BlobStore`` over ``boto3``).

Keys under ``prefix`` in ``bucket``: a finished material at ``ab/<address>`` (the first
pair of hex digits of its address), the parts of an upload in progress at
``uploads/<address>/<offset:012d>`` (zero padded, so the listing is in offset order).
``finish`` streams the parts in order through SHA-256 and writes the material only when
the digest equals the address: one PUT when it is small, otherwise a multipart upload
of ``PART`` sized pieces built from the parts (S3 refuses pieces under 5 MiB except the
last) that is completed only after the digest matched, and aborted otherwise.  A
finished material is never readable before its digest was checked.

Credentials come from boto3's standard chain (``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``, ``~/.aws/credentials``, an instance role),
never from the spec, and never appear in a label, a message or a log line.

The client is created once and shared: botocore clients are thread safe (sessions are
not).  Retries use botocore's "standard" mode; connections and reads time out, so an
unreachable store answers ``BlobStoreUnavailable`` within bounded time, never a hang.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import Any, BinaryIO
from urllib.parse import parse_qs, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from sync.hub.blobs import BlobMissing, BlobStoreConfigInvalid, BlobStoreUnavailable

UPLOADS = "uploads/"
PART = 8 << 20  # multipart pieces of 8 MiB (S3's minimum is 5 MiB, except the last)
SINGLE_PUT = PART  # materials up to this size are written with one PUT
READ_BLOCK = 1 << 20
DELETE_BATCH = 1000  # DeleteObjects takes at most 1000 keys
HEX = frozenset("0123456789abcdef")

CONNECT_TIMEOUT = 5.0  # seconds
READ_TIMEOUT = 30.0
RETRIES = 2  # botocore "standard" retry mode: at most 3 attempts in all


def client_config() -> Config:
    """Retries, timeouts, and checksums only where S3 requires them: newer botocore
    otherwise adds CRC trailers that some S3-compatible stores (Swift's s3api, older
    Ceph and MinIO) refuse.  Integrity of writes comes from Content-MD5 instead."""
    return Config(retries={"mode": "standard", "max_attempts": RETRIES},
                  connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                  request_checksum_calculation="when_required",
                  response_checksum_validation="when_required",
                  max_pool_connections=20)


def _is_address(name: str) -> bool:
    return len(name) == 64 and all(c in HEX for c in name)


def _md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


def _content_md5(request: Any, **_: Any) -> None:
    """DeleteObjects with a Content-MD5 header instead of botocore's CRC32 checksum:
    S3 requires one of them, and Swift's s3api (like other S3-compatible stores) knows
    only the first.  Set before signing, so the signature covers what is sent."""
    body = request.body if isinstance(request.body, bytes) else bytes(request.body or b"")
    for name in list(request.headers):
        if name.lower().startswith(("x-amz-checksum-", "x-amz-sdk-checksum-")):
            del request.headers[name]
    request.headers["Content-MD5"] = _md5(body)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


def _plain_endpoint(endpoint_url: str | None) -> str:
    """The endpoint without any user:password@ (a label must carry no secret)."""
    if not endpoint_url:
        return "AWS"
    parts = urlsplit(endpoint_url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}".rstrip("/")


class S3Store:
    """Materials as objects in ``bucket`` under ``prefix``, content addressed."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None,
                 region: str | None = None, client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        self.label = f"s3://{bucket}/{self.prefix} at {_plain_endpoint(endpoint_url)}"
        if client is None:
            config = client_config()
            if endpoint_url:  # S3-compatible stores: bucket in the path, not the host name
                config = config.merge(Config(s3={"addressing_style": "path"}))
            try:
                client = boto3.session.Session().client(
                    "s3", endpoint_url=endpoint_url, region_name=region, config=config)
            except (BotoCoreError, ValueError) as error:
                raise BlobStoreConfigInvalid(
                    given=self.label, reason=f"无法使用该对象存储（{type(error).__name__}）"
                ) from None
        self.client = client
        client.meta.events.register("before-sign.s3.DeleteObjects", _content_md5,
                                    unique_id="bianmin-delete-objects-md5")

    # -- where things are ------------------------------------------------------

    def key_of(self, address: str) -> str:
        return f"{self.prefix}{address[:2]}/{address}"

    def _uploads(self, address: str) -> str:
        return f"{self.prefix}{UPLOADS}{address}/"

    def _part_key(self, address: str, offset: int) -> str:
        return f"{self._uploads(address)}{offset:012d}"

    # -- errors ----------------------------------------------------------------

    def _unavailable(self, error: Exception) -> BlobStoreUnavailable:
        """A plain reason for an error of the store, with no secret in it."""
        if isinstance(error, ClientError):
            code, status = _code(error), _status(error)
            if code == "NoSuchBucket" or (status == 404 and code in ("404", "NotFound")):
                reason = f"存储桶 {self.bucket} 不存在"
            elif code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch",
                          "AllAccessDisabled", "AccountProblem") or status == 403:
                reason = f"对象存储拒绝访问（{code or status}），请检查访问密钥和存储桶权限"
            elif status >= 500:
                reason = f"对象存储暂时出错（HTTP {status} {code}）".replace(" ）", "）")
            else:
                reason = f"对象存储拒绝了请求（{code or status}）"
        elif isinstance(error, NoCredentialsError | PartialCredentialsError):
            reason = "未找到对象存储的访问密钥（AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY）"
        elif isinstance(error, EndpointConnectionError | ConnectTimeoutError
                        | ConnectionClosedError):
            reason = f"连不上对象存储 {_plain_endpoint(self.endpoint_url)}"
        elif isinstance(error, ReadTimeoutError):
            reason = f"对象存储 {_plain_endpoint(self.endpoint_url)} 响应超时"
        else:
            reason = f"对象存储出错（{type(error).__name__}）"
        return BlobStoreUnavailable(store=self.label, reason=reason)

    def _call(self, method: Callable[..., Any], **params: Any) -> Any:
        try:
            return method(Bucket=self.bucket, **params)
        except (ClientError, BotoCoreError) as error:
            raise self._unavailable(error) from None

    # -- writing ---------------------------------------------------------------

    def _put(self, key: str, data: bytes) -> None:
        self._call(self.client.put_object, Key=key, Body=data, ContentMD5=_md5(data),
                   ContentType="application/octet-stream")

    def put(self, address: str, data: bytes) -> None:
        self._put(self.key_of(address), data)

    def put_part(self, address: str, offset: int, data: bytes) -> None:
        self._put(self._part_key(address, offset), data)

    def _part_keys(self, address: str) -> list[tuple[int, str]]:
        """The parts of an upload in progress, (offset, key) in offset order."""
        found = []
        where = self._uploads(address)
        for key in self._keys(where):
            name = key[len(where):]
            if name.isdigit():
                found.append((int(name), key))
        return sorted(found)

    def finish(self, address: str, total: int) -> bool:
        parts = self._part_keys(address)
        if not parts:
            return self.has(address)  # another writer finished it meanwhile
        ok = self._assemble(address, total, parts)
        self._delete([key for _, key in parts])
        return ok

    def _assemble(self, address: str, total: int, parts: list[tuple[int, str]]) -> bool:
        def blocks() -> Iterator[bytes]:
            at = 0
            for offset, key in parts:
                if offset != at or at >= total:  # a gap or an overlap: not the material
                    return
                for block in self._stream(key):
                    at += len(block)
                    yield block
        return self._write_checked(address, blocks(), total)

    def import_stream(self, address: str, source: BinaryIO, size: int | None = None) -> bool:
        """Copy a material from ``source`` (streaming, hashing as it goes); True when its
        SHA-256 equals ``address`` (and its size ``size``, if given) and it is now held,
        False when it does not (nothing is kept).  For restores and migrations."""
        def blocks() -> Iterator[bytes]:
            while block := source.read(READ_BLOCK):
                yield block
        return self._write_checked(address, blocks(), size)

    def _write_checked(self, address: str, blocks: Iterator[bytes], total: int | None) -> bool:
        """Write the bytes of ``blocks`` as the material ``address``, readable only if
        their SHA-256 equals it (and their length ``total``, when given)."""
        key = self.key_of(address)
        digest, length = hashlib.sha256(), 0
        pending = bytearray()
        upload: _Multipart | None = None
        try:
            for block in blocks:
                digest.update(block)
                length += len(block)
                pending += block
                if len(pending) > SINGLE_PUT or (upload and len(pending) >= PART):
                    if upload is None:
                        upload = _Multipart(self, key)
                    while len(pending) >= PART:
                        upload.send(bytes(pending[:PART]))
                        del pending[:PART]
            ok = digest.hexdigest() == address and (total is None or length == total)
            if not ok:
                if upload is not None:
                    upload.abort()
                return False
            if upload is None:
                self._put(key, bytes(pending))
            else:
                if pending:
                    upload.send(bytes(pending))
                upload.complete()
            return True
        except BaseException:
            if upload is not None:
                upload.abort()
            raise

    def _delete(self, keys: list[str]) -> None:
        for at in range(0, len(keys), DELETE_BATCH):
            batch = keys[at:at + DELETE_BATCH]
            answer = self._call(self.client.delete_objects, Delete={
                "Objects": [{"Key": key} for key in batch], "Quiet": True})
            failed = [e for e in answer.get("Errors", []) if e.get("Code") != "NoSuchKey"]
            if failed:
                raise BlobStoreUnavailable(
                    store=self.label,
                    reason=f"对象存储未能删除 {len(failed)} 个上传片段（{failed[0].get('Code')}）")

    def discard(self, address: str) -> None:
        self._delete([key for _, key in self._part_keys(address)])

    # -- reading ---------------------------------------------------------------

    def _stream(self, key: str) -> Iterator[bytes]:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            with body:
                yield from body.iter_chunks(READ_BLOCK)
        except (ClientError, BotoCoreError) as error:
            raise self._unavailable(error) from None

    def read(self, address: str, start: int, length: int) -> bytes:
        if length <= 0:
            if not self.has(address):
                raise BlobMissing(address=address)
            return b""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key_of(address),
                                            Range=f"bytes={start}-{start + length - 1}")
            with answer["Body"] as body:
                data: bytes = body.read()
        except ClientError as error:
            if _code(error) == "NoSuchKey":
                raise BlobMissing(address=address) from None
            if _code(error) == "InvalidRange" or _status(error) == 416:
                if not self.has(address):
                    raise BlobMissing(address=address) from None
                return b""  # from past the end
            raise self._unavailable(error) from None
        except BotoCoreError as error:
            raise self._unavailable(error) from None
        return data[:length]

    def open(self, address: str) -> BinaryIO:
        """The finished material as a stream, for reading it whole (backups)."""
        try:
            body: BinaryIO = self.client.get_object(Bucket=self.bucket,
                                                    Key=self.key_of(address))["Body"]
        except ClientError as error:
            if _code(error) == "NoSuchKey":
                raise BlobMissing(address=address) from None
            raise self._unavailable(error) from None
        except BotoCoreError as error:
            raise self._unavailable(error) from None
        return body

    def _head(self, address: str) -> dict[str, Any] | None:
        try:
            answer: dict[str, Any] = self.client.head_object(Bucket=self.bucket,
                                                             Key=self.key_of(address))
            return answer
        except ClientError as error:
            if _status(error) != 404:
                raise self._unavailable(error) from None
        except BotoCoreError as error:
            raise self._unavailable(error) from None
        # HEAD answers a bare 404 both for a missing key and a missing bucket
        self._call(self.client.head_bucket)
        return None

    def size(self, address: str) -> int:
        head = self._head(address)
        if head is None:
            raise BlobMissing(address=address)
        return int(head["ContentLength"])

    def has(self, address: str) -> bool:
        return self._head(address) is not None

    def _keys(self, prefix: str) -> Iterator[str]:
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    yield item["Key"]
        except (ClientError, BotoCoreError) as error:
            raise self._unavailable(error) from None

    def addresses(self) -> Iterator[str]:
        for key in self._keys(self.prefix):
            name = key[len(self.prefix):]
            if name.startswith(UPLOADS):
                break  # "uploads/" sorts after every "ab/" folder: nothing more to find
            first, _, address = name.partition("/")
            if _is_address(address) and first == address[:2]:
                yield address


class _Multipart:
    """One multipart upload of a material: pieces sent in order, completed or aborted."""

    def __init__(self, store: S3Store, key: str) -> None:
        self.store, self.key = store, key
        answer = store._call(store.client.create_multipart_upload, Key=key,
                             ContentType="application/octet-stream")
        self.upload_id: str = answer["UploadId"]
        self.pieces: list[dict[str, Any]] = []
        self.open = True

    def send(self, data: bytes) -> None:
        number = len(self.pieces) + 1
        answer = self.store._call(self.store.client.upload_part, Key=self.key,
                                  UploadId=self.upload_id, PartNumber=number, Body=data,
                                  ContentMD5=_md5(data))
        self.pieces.append({"PartNumber": number, "ETag": answer["ETag"]})

    def complete(self) -> None:
        self.store._call(self.store.client.complete_multipart_upload, Key=self.key,
                         UploadId=self.upload_id, MultipartUpload={"Parts": self.pieces})
        self.open = False

    def abort(self) -> None:
        """Best effort: a lifecycle rule removes what an abort could not (docs/storage.md)."""
        if not self.open:
            return
        self.open = False
        with suppress(ClientError, BotoCoreError):
            self.store.client.abort_multipart_upload(Bucket=self.store.bucket, Key=self.key,
                                                     UploadId=self.upload_id)


NO_KEYS_IN_SPEC = \
    "访问密钥不能写在地址里，请用 AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY 环境变量"


def s3_store_from_spec(spec: str) -> S3Store:
    """``s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1``."""
    parts = urlsplit(spec)
    shown = "s3://…" if "@" in spec else spec  # never repeat a secret written by mistake
    if parts.scheme != "s3":
        raise BlobStoreConfigInvalid(given=shown, reason="对象存储地址应以 s3:// 开头")
    if parts.username or parts.password or "@" in parts.netloc:
        raise BlobStoreConfigInvalid(
            given=shown,
            reason=NO_KEYS_IN_SPEC)
    bucket = parts.netloc
    if not bucket:
        raise BlobStoreConfigInvalid(given=shown, reason="缺少存储桶名，如 s3://bianmin/materials")
    if not (3 <= len(bucket) <= 63) or not all(c.isalnum() or c in ".-" for c in bucket) \
            or bucket != bucket.lower() or not bucket[0].isalnum():
        raise BlobStoreConfigInvalid(
            given=shown,
            reason=f"存储桶名 {bucket} 不合规范（3 到 63 个小写字母、数字、点或连字符）")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"endpoint", "region"})
    if unknown:
        raise BlobStoreConfigInvalid(
            given=shown, reason=f"不认识的参数 {'、'.join(unknown)}（只支持 endpoint 和 region）")
    endpoint = query.get("endpoint", [""])[-1] or None
    if endpoint is not None:
        where = urlsplit(endpoint)
        if where.scheme not in ("http", "https") or not where.hostname:
            raise BlobStoreConfigInvalid(
                given=shown, reason="endpoint 应为 http:// 或 https:// 开头的地址")
        if where.username or where.password:
            raise BlobStoreConfigInvalid(
                given=shown,
                reason=NO_KEYS_IN_SPEC)
    region = query.get("region", [""])[-1] or None
    return S3Store(bucket=bucket, prefix=parts.path.strip("/"), endpoint_url=endpoint,
                   region=region)


from_spec = s3_store_from_spec  # the name sync.hub.blob_config looks for
