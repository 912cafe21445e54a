"""The hub's S3 material store against a real S3 API: OpenStack Swift's s3api (tests/swift.py)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from blob_checks import CHECKS, material, upload
from swift import SECRET_KEY, SwiftS3, start_server, swift_s3, wait_ready

from sync.hub import blobs_s3
from sync.hub.blobs import BlobMissing, BlobStoreConfigInvalid, BlobStoreUnavailable
from sync.hub.blobs_s3 import S3Store, s3_store_from_spec

_numbers = itertools.count(1)


def new_bucket(swift: SwiftS3) -> str:
    name = f"bianmin-{next(_numbers)}-{id(swift) % 10_000}"
    swift.client().create_bucket(Bucket=name)
    return name


def store_in(swift: SwiftS3, bucket: str, prefix: str = "hub-a") -> S3Store:
    return S3Store(bucket, prefix=prefix, endpoint_url=swift.endpoint_url,
                   region=swift.region, client=swift.client())


@pytest.fixture
def make_store(swift: SwiftS3) -> Callable[[], S3Store]:
    return lambda: store_in(swift, new_bucket(swift))


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_behaviour(check: Callable[[Callable[[], S3Store]], None],
                   make_store: Callable[[], S3Store]) -> None:
    check(make_store)


def keys(swift: SwiftS3, bucket: str) -> list[str]:
    answer = swift.client().list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in answer.get("Contents", [])]


def test_layout_under_the_prefix(swift: SwiftS3) -> None:
    bucket = new_bucket(swift)
    store = store_in(swift, bucket, prefix="/county/materials/")
    done, done_data = material(100, seed=1)
    pending, pending_data = material(2000, seed=2)
    store.put(done, done_data)
    store.put_part(pending, 1000, pending_data[1000:])
    assert sorted(keys(swift, bucket)) == [
        f"county/materials/{done[:2]}/{done}",
        f"county/materials/uploads/{pending}/000000001000",
    ]
    assert store.label == f"s3://{bucket}/county/materials/ at {swift.endpoint_url}"
    other = store_in(swift, bucket, prefix="other")  # another prefix sees none of it
    assert list(other.addresses()) == []
    assert not other.has(done)


def test_twelve_mib_in_twelve_chunks_goes_through_a_multipart_upload(swift: SwiftS3) -> None:
    bucket = new_bucket(swift)
    store = store_in(swift, bucket)
    address, data = material(12 << 20, seed=12)
    upload(store, address, data, 1 << 20)
    assert len(keys(swift, bucket)) == 12
    assert store.finish(address, len(data))
    assert keys(swift, bucket) == [store.key_of(address)]  # the twelve parts are gone
    head = swift.client().head_object(Bucket=bucket, Key=store.key_of(address))
    assert head["ContentLength"] == 12 << 20
    assert head["ETag"].strip('"').endswith("-2")  # 8 MiB + 4 MiB pieces
    assert store.read(address, 0, 12 << 20) == data
    assert store.read(address, (8 << 20) - 5, 10) == data[(8 << 20) - 5:(8 << 20) + 5]
    assert store.size(address) == 12 << 20
    with store.open(address) as whole:
        assert whole.read() == data


def test_a_corrupted_large_material_leaves_nothing(swift: SwiftS3) -> None:
    bucket = new_bucket(swift)
    store = store_in(swift, bucket)
    address, data = material(10 << 20, seed=10)
    broken = data[:-1] + bytes([data[-1] ^ 1])  # the very last byte: after a piece was sent
    upload(store, address, broken, 1 << 20)
    assert not store.finish(address, len(data))
    assert keys(swift, bucket) == []
    assert swift.client().list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert not store.has(address)


def test_import_stream(swift: SwiftS3, tmp_path: Path) -> None:
    store = store_in(swift, new_bucket(swift))
    address, data = material(9 << 20, seed=9)
    source = tmp_path / "material"
    source.write_bytes(data)
    with source.open("rb") as handle:
        assert not store.import_stream(address, handle, size=len(data) + 1)
    assert not store.has(address)
    with source.open("rb") as handle:
        assert store.import_stream(address, handle, size=len(data))
    assert store.read(address, 0, len(data)) == data


def test_addresses_over_several_pages(swift: SwiftS3, monkeypatch: pytest.MonkeyPatch) -> None:
    store = store_in(swift, new_bucket(swift))
    held = set()
    for seed in range(7):
        address, data = material(10, seed=seed)
        store.put(address, data)
        held.add(address)
    paginate = store.client.get_paginator("list_objects_v2").paginate

    def small_pages(**params: object) -> object:
        return paginate(**params, PaginationConfig={"PageSize": 2})

    class Paginator:
        paginate = staticmethod(small_pages)

    monkeypatch.setattr(store.client, "get_paginator", lambda name: Paginator())
    assert sorted(store.addresses()) == sorted(held)


def test_a_missing_bucket_is_unavailable_with_a_plain_reason(swift: SwiftS3) -> None:
    store = store_in(swift, "no-such-bucket-here")
    address, data = material(10)
    for attempt in (lambda: store.has(address), lambda: store.put(address, data),
                    lambda: store.read(address, 0, 10), lambda: list(store.addresses()),
                    lambda: store.put_part(address, 0, data), lambda: store.finish(address, 10)):
        with pytest.raises(BlobStoreUnavailable) as raised:
            attempt()
        assert raised.value.reason == "存储桶 no-such-bucket-here 不存在"
        assert raised.value.store == store.label
        assert SECRET_KEY not in str(raised.value)


def test_wrong_keys_are_unavailable_without_the_secret(swift: SwiftS3,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    bucket = new_bucket(swift)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", swift.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-42")
    store = s3_store_from_spec(f"s3://{bucket}/x?endpoint={swift.endpoint_url}")
    with pytest.raises(BlobStoreUnavailable) as raised:
        store.put(*material(10))
    assert "拒绝访问" in raised.value.reason
    assert "not-the-secret-42" not in str(raised.value)
    assert "not-the-secret-42" not in repr(raised.value.args)


def test_swift_stopped_midway(tmp_path: Path) -> None:
    """A store whose server goes away answers BlobStoreUnavailable within the client's
    timeouts, and works again when the server is back, with no new store."""
    with swift_s3(tmp_path / "swift") as private:
        store = store_in(private, new_bucket(private))
        address, data = material(3000, seed=3)
        store.put(address, data)
        pending, pending_data = material(3000, seed=4)
        upload(store, pending, pending_data[:2000], 1000)

        private.stop("object")  # the proxy answers 503: no object server
        with pytest.raises(BlobStoreUnavailable) as raised:
            store.read(address, 0, 10)
        assert "HTTP 503" in raised.value.reason

        private.stop("proxy")  # nothing listens any more
        attempts = [lambda: store.put(*material(10)), lambda: store.read(address, 0, 10),
                    lambda: store.has(address), lambda: list(store.addresses()),
                    lambda: store.put_part(pending, 2000, pending_data[2000:]),
                    lambda: store.finish(pending, 3000), lambda: store.discard(pending)]
        for attempt in attempts:
            with pytest.raises(BlobStoreUnavailable) as raised:
                attempt()
            assert raised.value.reason == f"连不上对象存储 {private.endpoint_url}"

        start_server(private, "object")
        start_server(private, "proxy")
        wait_ready(private)
        store.put_part(pending, 2000, pending_data[2000:])
        assert store.finish(pending, 3000)  # the parts written before the outage held
        assert store.read(pending, 0, 3000) == pending_data
        assert store.read(address, 0, 3000) == data


def test_from_spec_uses_the_standard_aws_environment(swift: SwiftS3,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    bucket = new_bucket(swift)
    for name, value in swift.environment().items():
        monkeypatch.setenv(name, value)
    store = s3_store_from_spec(
        f"s3://{bucket}/county-7?endpoint={swift.endpoint_url}&region={swift.region}")
    assert blobs_s3.from_spec is s3_store_from_spec
    assert store.label == f"s3://{bucket}/county-7/ at {swift.endpoint_url}"
    address, data = material(100, seed=4)
    store.put(address, data)
    assert store.read(address, 0, 100) == data
    assert keys(swift, bucket) == [f"county-7/{address[:2]}/{address}"]


@pytest.mark.parametrize(("spec", "reason"), [
    ("http://bucket/x", "对象存储地址应以 s3:// 开头"),
    ("s3:///x", "缺少存储桶名，如 s3://bianmin/materials"),
    ("s3://Bad_Bucket/x", "存储桶名 Bad_Bucket 不合规范（3 到 63 个小写字母、数字、点或连字符）"),
    ("s3://bucket/x?endpoint=ftp://host", "endpoint 应为 http:// 或 https:// 开头的地址"),
    ("s3://bucket/x?endpoint=http://127.0.0.1:1&secret=abc",
     "不认识的参数 secret（只支持 endpoint 和 region）"),
])
def test_bad_specs(spec: str, reason: str) -> None:
    with pytest.raises(BlobStoreConfigInvalid) as raised:
        s3_store_from_spec(spec)
    assert raised.value.reason == reason


def test_keys_in_a_spec_are_refused_and_not_repeated() -> None:
    for spec in ("s3://AKIA1:sec-ret-9@bucket/x",
                 "s3://bucket/x?endpoint=http://AKIA1:sec-ret-9@127.0.0.1:9000"):
        with pytest.raises(BlobStoreConfigInvalid) as raised:
            s3_store_from_spec(spec)
        assert "AWS_SECRET_ACCESS_KEY" in raised.value.reason
        assert "sec-ret-9" not in str(raised.value)


def test_read_of_a_missing_material_in_an_existing_bucket(swift: SwiftS3) -> None:
    store = store_in(swift, new_bucket(swift))
    address, _ = material(10, seed=5)
    with pytest.raises(BlobMissing):
        store.size(address)
    with pytest.raises(BlobMissing):
        store.open(address)
