"""``--blobs SPEC``: which store a hub keeps its materials in.

* none given: ``FilesystemStore(<data folder>/blobs)``;
* ``file:///path``: a folder (a mounted disk, a NAS share);
* ``s3://bucket/prefix?endpoint=https://...&region=...``: an S3-compatible object
  store (``sync.hub.blobs_s3``).  Its credentials come from the standard AWS
  environment variables or boto3's own configuration files, never from the spec,
  so a spec can be printed and logged as it is.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sync.hub.blobs import BlobStore, BlobStoreConfigInvalid
from sync.hub.blobs_fs import FilesystemStore

FOLDER = "blobs"  # under the hub's data folder, by default


def default_root(data_dir: Path) -> Path:
    return Path(data_dir) / FOLDER


def open_blob_store(spec: str | None, data_dir: Path) -> BlobStore:
    if not spec:
        return FilesystemStore(default_root(data_dir))
    parts = urlsplit(spec)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path:
            raise BlobStoreConfigInvalid(spec, "file:// 后应为本机的绝对路径，如 file:///srv/bianmin/blobs")
        return FilesystemStore(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        if parts.username or parts.password:
            raise BlobStoreConfigInvalid(
                "s3://…",
                "密钥不能写在地址里，请用 AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY 环境变量")
        if not parts.netloc:
            raise BlobStoreConfigInvalid(spec, "缺少存储桶名，如 s3://bianmin/materials")
        try:
            module: Any = importlib.import_module("sync.hub.blobs_s3")
        except ImportError as error:
            raise BlobStoreConfigInvalid(
                spec, f"本程序不含 S3 对象存储的支持（{error.name or error}）") from None
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return _s3(module, parts.netloc, parts.path.strip("/"), query, spec)
    raise BlobStoreConfigInvalid(spec, "只支持 file:///路径 或 s3://存储桶/前缀")


def _s3(module: Any, bucket: str, prefix: str, query: dict[str, str], spec: str) -> BlobStore:
    factory = getattr(module, "from_spec", None)
    if factory is not None:  # the S3 store parses its own address, if it offers to
        store: BlobStore = factory(spec)
        return store
    try:
        store = module.S3Store(bucket=bucket, prefix=prefix, **query)
    except TypeError as error:
        raise BlobStoreConfigInvalid(spec, f"对象存储的参数不正确（{error}）") from None
    return store
