"""A real S3-compatible server for the tests: OpenStack Swift with its s3api middleware.

``swift_s3(folder)`` builds a one-node Swift in ``folder`` (its own swift.conf, rings with
one device each for accounts, containers and objects, one replica, storage in
``folder/srv``), starts the account, container, object and proxy servers as processes
on free loopback ports, waits until the S3 API answers a signed request, yields a
``SwiftS3`` (endpoint, keys, region) and stops the servers at the end.

Swift is Debian's (packages swift-proxy swift-object swift-container swift-account, the
s3api middleware ships in python3-swift), so it runs under Debian's /usr/bin/python3, not
the project's venv.  Nothing is read from /etc/swift: each server is started through a
small launcher that points Swift at the folder's swift.conf (``set_swift_dir``).

Quirks met:

* tempauth needs a memcache client in the request even for S3 requests ("Memcache
  required"), so the pipeline keeps ``cache``, pointed at a loopback port where nothing
  listens: every lookup misses (the S3 signature is checked on each request) and no
  memcached is needed.
* The object server keeps metadata in extended attributes: the storage folder must be
  on a filesystem with user xattrs (ext4 and xfs have them; tmpfs has them since Linux
  6.6 only).  ``swift_s3`` checks that and, where the given folder has none (a /tmp on
  an older tmpfs), keeps the objects under /var/tmp or the project instead, removed at
  the end; it fails with a reason when no such folder is found.
* Swift calls ``setsid()`` and drops privileges to ``user``: the configs name the current
  user, so it runs as root in CI and as anyone elsewhere.
* Multipart uploads need ``slo`` after s3api in the pipeline (s3api turns them off with a
  warning otherwise); parts under 5 MiB except the last are refused, as by AWS.
"""

from __future__ import annotations

import getpass
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

SWIFT_PYTHON = "/usr/bin/python3"  # Debian's, where python3-swift lives
ACCESS_KEY = "test:tester"  # tempauth user_test_tester = testing .admin
SECRET_KEY = "testing"
REGION = "us-east-1"
START_DEADLINE = 180.0  # seconds: a generous bound for a busy 2-core machine

SERVERS = ("account", "container", "object", "proxy")

# Run one Swift server with swift.conf read from the given folder, logging to stderr.
LAUNCHER = """\
import sys
from swift.common import utils
utils.set_swift_dir(sys.argv[1])
from swift.common.wsgi import run_wsgi
sys.exit(run_wsgi(sys.argv[2], sys.argv[3], verbose=True))
"""

# Build the three rings, each with one device on its server's port.
RING_BUILDER = """\
import sys
from swift.common.ring import RingBuilder
folder = sys.argv[1]
for kind, port in (("account", sys.argv[2]), ("container", sys.argv[3]),
                   ("object", sys.argv[4])):
    builder = RingBuilder(6, 1, 1)
    builder.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1",
                     "port": int(port), "device": "d1", "weight": 100})
    builder.rebalance()
    builder.save(f"{folder}/{kind}.builder")
    builder.get_ring().save(f"{folder}/{kind}.ring.gz")
"""


class SwiftUnavailable(RuntimeError):
    """Swift could not be set up or started here; the message says why."""


@dataclass
class SwiftS3:
    """A running one-node Swift; its S3 API at ``endpoint_url``."""

    folder: Path
    endpoint_url: str
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    region: str = REGION
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    began: float = 0.0  # time.monotonic() when the servers were started
    started_in: float = 0.0  # seconds from the first process to the first S3 answer

    def client(self):  # -> botocore S3 client (typed loosely: boto3 ships no stubs)
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3", endpoint_url=self.endpoint_url, region_name=self.region,
            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
            config=Config(retries={"mode": "standard", "max_attempts": 3},
                          connect_timeout=5, read_timeout=30,
                          s3={"addressing_style": "path"}))

    def environment(self) -> dict[str, str]:
        """The standard AWS variables naming this server's keys (for ``S3Store`` built
        without a client, as the hub builds it)."""
        return {"AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key,
                "AWS_DEFAULT_REGION": self.region}

    def stop(self, name: str | None = None) -> None:
        """Stop one server (``"proxy"``…) or all of them, and wait for each to exit."""
        names = [name] if name else list(reversed(SERVERS))
        for each in names:
            process = self.processes.pop(each, None)
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def log(self, name: str) -> str:
        path = self.folder / "log" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _has_user_xattrs(folder: Path) -> bool:
    probe = folder / "xattr-probe"
    probe.write_bytes(b"")
    try:
        os.setxattr(probe, "user.swift.probe", b"1")
    except OSError:
        return False
    finally:
        probe.unlink()
    return True


def _storage(folder: Path) -> Path:
    """Where the object server keeps its data: ``folder/srv`` when that filesystem has
    user extended attributes (Swift keeps object metadata in them), else a folder under
    /var/tmp or the project (disk backed, where /tmp may be a tmpfs without them)."""
    for candidate in (folder, Path("/var/tmp"), Path(__file__).resolve().parent.parent):
        if not os.access(candidate, os.W_OK):
            continue
        srv = folder / "srv" if candidate == folder else \
            Path(tempfile.mkdtemp(prefix="swift-srv-", dir=candidate))
        (srv / "d1").mkdir(parents=True, exist_ok=True)
        if _has_user_xattrs(srv / "d1"):
            return srv
        if candidate != folder:
            shutil.rmtree(srv, ignore_errors=True)
    raise SwiftUnavailable(
        f"no folder here ({folder}, /var/tmp, the project) is on a filesystem with user "
        "extended attributes, which Swift's object server needs: use ext4 or xfs")


def _write_configs(folder: Path, srv: Path, ports: dict[str, int]) -> None:
    user = getpass.getuser()
    common = (f"[DEFAULT]\nbind_ip = 127.0.0.1\nworkers = 0\nuser = {user}\n"
              f"swift_dir = {folder}\ndevices = {srv}\nmount_check = false\n"
              "disable_fallocate = true\nlog_level = WARNING\nbind_timeout = 3\n")
    (folder / "swift.conf").write_text(
        "[swift-hash]\nswift_hash_path_suffix = bianmin-tests\n"
        "swift_hash_path_prefix = bianmin-tests\n\n"
        "[storage-policy:0]\nname = Policy-0\ndefault = yes\n")
    for kind in ("account", "container", "object"):
        (folder / f"{kind}-server.conf").write_text(
            f"{common}bind_port = {ports[kind]}\n\n"
            f"[pipeline:main]\npipeline = healthcheck {kind}-server\n\n"
            f"[app:{kind}-server]\nuse = egg:swift#{kind}\n\n"
            "[filter:healthcheck]\nuse = egg:swift#healthcheck\n")
    nothing_listens = _free_port()  # see the module's note on tempauth and memcache
    (folder / "proxy-server.conf").write_text(
        f"{common}bind_port = {ports['proxy']}\n\n"
        "[pipeline:main]\n"
        "pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats"
        " bulk tempurl ratelimit s3api tempauth copy slo dlo proxy-logging proxy-server\n\n"
        "[app:proxy-server]\nuse = egg:swift#proxy\naccount_autocreate = true\n"
        "conn_timeout = 2\nnode_timeout = 20\n\n"
        f"[filter:s3api]\nuse = egg:swift#s3api\nlocation = {REGION}\n\n"
        "[filter:tempauth]\nuse = egg:swift#tempauth\n"
        "user_test_tester = testing .admin\n\n"
        "[filter:cache]\nuse = egg:swift#memcache\n"
        f"memcache_servers = 127.0.0.1:{nothing_listens}\n\n"
        "[filter:catch_errors]\nuse = egg:swift#catch_errors\n\n"
        "[filter:gatekeeper]\nuse = egg:swift#gatekeeper\n\n"
        "[filter:healthcheck]\nuse = egg:swift#healthcheck\n\n"
        "[filter:proxy-logging]\nuse = egg:swift#proxy_logging\n\n"
        "[filter:listing_formats]\nuse = egg:swift#listing_formats\n\n"
        "[filter:bulk]\nuse = egg:swift#bulk\n\n"
        "[filter:tempurl]\nuse = egg:swift#tempurl\n\n"
        "[filter:ratelimit]\nuse = egg:swift#ratelimit\n\n"
        "[filter:copy]\nuse = egg:swift#copy\n\n"
        "[filter:slo]\nuse = egg:swift#slo\n\n"
        "[filter:dlo]\nuse = egg:swift#dlo\n")


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthcheck", timeout=5) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _s3_answers(swift: SwiftS3) -> bool:
    """Whether every server answers its health check and the S3 API a real round trip
    (a bucket made, an object written and read back)."""
    if not all(_healthy(port) for port in swift.ports.values()):
        return False
    from botocore.exceptions import BotoCoreError, ClientError

    client = swift.client()
    try:
        with suppress(client.exceptions.BucketAlreadyOwnedByYou):
            client.create_bucket(Bucket="swift-ready")
        client.put_object(Bucket="swift-ready", Key="ready", Body=b"ready")
        return bool(client.get_object(Bucket="swift-ready", Key="ready")["Body"].read()
                    == b"ready")
    except (BotoCoreError, ClientError):
        return False


def _start(swift: SwiftS3, name: str) -> None:
    folder = swift.folder
    log = (folder / "log" / f"{name}.log").open("ab")
    with log:
        swift.processes[name] = subprocess.Popen(
            [SWIFT_PYTHON, "-I", "-c", LAUNCHER, str(folder), str(folder / f"{name}-server.conf"),
             f"{name}-server"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)


def start_server(swift: SwiftS3, name: str) -> None:
    """Start one server again (after ``stop(name)``) on its old port."""
    _start(swift, name)


def wait_ready(swift: SwiftS3, began: float | None = None) -> None:
    """Wait until every server is up and the S3 API answers; fail with the log of a
    server that exited, or after START_DEADLINE."""
    began = time.monotonic() if began is None else began
    while not _s3_answers(swift):
        for name, process in swift.processes.items():
            if process.poll() is not None:
                raise SwiftUnavailable(
                    f"swift {name}-server exited ({process.returncode}): "
                    f"{swift.log(name)[-1500:]}")
        if time.monotonic() - began > START_DEADLINE:
            raise SwiftUnavailable(
                f"Swift's S3 API did not answer within {START_DEADLINE:.0f} s; proxy log: "
                f"{swift.log('proxy')[-1500:]}")
        time.sleep(0.1)  # poll interval, not a wait for a condition


@contextmanager
def swift_s3(folder: Path) -> Iterator[SwiftS3]:
    """A one-node Swift with its S3 API, in ``folder`` (created; left for post mortems)."""
    if not Path(SWIFT_PYTHON).exists():
        raise SwiftUnavailable(f"{SWIFT_PYTHON} is missing")
    check = subprocess.run([SWIFT_PYTHON, "-I", "-c", "import swift.common.middleware.s3api"],
                           capture_output=True, text=True)
    if check.returncode != 0:
        raise SwiftUnavailable(
            "Swift is not installed (apt-get install swift-proxy swift-object "
            f"swift-container swift-account): {check.stderr.strip()[-300:]}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "log").mkdir(exist_ok=True)
    srv = _storage(folder)
    try:
        swift = _started(folder, srv)
        try:
            swift.started_in = time.monotonic() - swift.began
            yield swift
        finally:
            with suppress(Exception):
                swift.stop()
    finally:
        if not srv.is_relative_to(folder):
            shutil.rmtree(srv, ignore_errors=True)


def _started(folder: Path, srv: Path) -> SwiftS3:
    for attempt in itertools.count(1):
        swift = _launch(folder, srv)
        try:
            wait_ready(swift, swift.began)
        except SwiftUnavailable as error:
            swift.stop()
            # a port picked free was taken by someone else before Swift bound it: again
            if "Could not bind" in str(error) and attempt < 3:
                continue
            raise
        return swift
    raise AssertionError("unreachable")


def _launch(folder: Path, srv: Path) -> SwiftS3:
    for old in (folder / "log").glob("*.log"):
        old.unlink()
    ports = {name: _free_port() for name in SERVERS}
    _write_configs(folder, srv, ports)
    rings = subprocess.run(
        [SWIFT_PYTHON, "-I", "-c", RING_BUILDER, str(folder),
         str(ports["account"]), str(ports["container"]), str(ports["object"])],
        capture_output=True, text=True)
    if rings.returncode != 0:
        raise SwiftUnavailable(f"swift rings: {rings.stderr.strip()[-500:]}")
    swift = SwiftS3(folder=folder, endpoint_url=f"http://127.0.0.1:{ports['proxy']}",
                    ports=ports, began=time.monotonic())
    try:
        for name in SERVERS:
            _start(swift, name)
    except BaseException:
        swift.stop()
        raise
    return swift
