"""The hub behind nginx with TLS (installer/nginx/bianmin-hub.conf, issue 17 item 4).

nginx (the Debian package) runs the shipped configuration, its values filled in, with
a certificate from a test county CA, in front of a real township hub.  A village that
has not imported the county's CA is refused, plainly; with it, the village syncs
through nginx; plain HTTP is refused with a pointer to https.  A large scan's parts go
pipelined on one TLS connection through nginx (sync/client.py).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from gui import pump, text_of
from test_gui_sync import log_in

from station import i18n
from station.casework import review_queue
from station.demo import demo_network
from station.demo.demo_network import DEMO_AGENT, VILLAGE, DemoNetwork, start_hub, wait_until
from station.errors import HubCaInvalid
from station.network import hub_tls, link
from station.ui.screens.sync import SyncScreen
from sync.chunks import CHUNK
from sync.errors import SyncError

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "installer" / "nginx" / "bianmin-hub.conf"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def issue(subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Certificate | None,
          issuer_key: ec.EllipticCurvePrivateKey, ca: bool) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.now(UTC)
    builder = (x509.CertificateBuilder().subject_name(name)
               .issuer_name(issuer.subject if issuer else name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(hours=1))
               .not_valid_after(now + timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def county_ca(tmp_path: Path) -> dict[str, Path]:
    """A county CA and the hub's TLS certificate for localhost, as PEM files."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = issue("桂平市 TLS 测试根证书", ca_key, None, ca_key, ca=True)
    hub_key = ec.generate_private_key(ec.SECP256R1())
    hub_cert = issue("localhost", hub_key, ca_cert, ca_key, ca=False)
    files = {"ca": tmp_path / "county-ca.pem", "cert": tmp_path / "hub.pem",
             "key": tmp_path / "hub.key"}
    files["ca"].write_bytes(pem(ca_cert))
    files["cert"].write_bytes(pem(hub_cert) + pem(ca_cert))
    files["key"].write_bytes(hub_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return files


@pytest.fixture
def nginx(tmp_path: Path, county_ca: dict[str, Path],
          net: DemoNetwork) -> Iterator[dict[str, int]]:
    """The shipped configuration, filled in, run by the real nginx in front of the
    township hub (started with the public name the stations sign for)."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(binary).exists(), "nginx is missing: `bash run.sh test` installs it (apt: nginx)"
    ports = {"tls": free_port(), "http": free_port()}
    county = start_hub(net, net.county)
    start_hub(net, net.township, upstream=county,
              public_names=(f"localhost:{ports['tls']}",),
              options=("--trusted-proxy", "127.0.0.1"))
    assert net.township.address
    hub = net.township.address.removeprefix("http://")
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    site = CONFIG.read_text(encoding="utf-8")
    for key, value in (("@PUBLIC_NAME@", "localhost"), ("@TLS_PORT@", str(ports["tls"])),
                       ("@HTTP_PORT@", str(ports["http"])), ("@CERT@", str(county_ca["cert"])),
                       ("@KEY@", str(county_ca["key"])), ("@HUB@", hub)):
        site = site.replace(key, value)
    settings = [line for line in site.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in settings if "@" in line], "a value left to fill in"
    (prefix / "site.conf").write_text(site, encoding="utf-8")
    (prefix / "nginx.conf").write_text(
        "user root;\ndaemon off;\nworker_processes 1;\n"
        f"pid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{ access_log off; include {prefix}/site.conf; }}\n", encoding="utf-8")
    process = subprocess.Popen([binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def listening() -> bool:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", ports["tls"])) == 0

    try:
        wait_until(listening, 60, "nginx listening")
        yield ports
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_village_syncs_through_nginx_only_with_the_countys_ca(
        net: DemoNetwork, nginx: dict[str, int], county_ca: dict[str, Path],
        tmp_path: Path) -> None:
    url = f"https://localhost:{nginx['tls']}"
    with net.open(net.village) as village:
        filed = demo_network.file_samples(net, village, 1)[0].case_no
        link.set_hub(village, url)
        with pytest.raises(SyncError) as refused:  # the county's CA not imported yet
            link.sync_once(village)
        assert link.acked_seq() == 0  # nothing was sent
        text = i18n.render(refused.value)
        assert "安全证书不被本站信任" in text and "导入县里提供的证书" in text, text

        not_a_certificate = tmp_path / "notes.pem"
        not_a_certificate.write_text("这不是证书", encoding="utf-8")
        with pytest.raises(HubCaInvalid):
            hub_tls.set_ca(village, not_a_certificate)
        assert hub_tls.ca_file(village) is None  # nothing changed

        assert hub_tls.set_ca(village, county_ca["ca"]) == 1
        report = link.sync_once(village)
        assert report.pushed > 0 and link.acked_seq() > 0
        head = link.acked_seq()

    with net.open(net.reviewer) as desk:  # the township's desk: the same name, the same CA
        hub_tls.set_ca(desk, county_ca["ca"])
        link.set_hub(desk, url)
        link.sync_once(desk)
        assert filed in [c["case_no"] for c in review_queue.queue(desk)]
    assert head > 0

    plain = requests.get(f"http://localhost:{nginx['http']}/v1/health", timeout=30)
    assert plain.status_code == 403 and "https" in plain.text
    metrics = requests.get(f"{url}/metrics", verify=str(county_ca["ca"]), timeout=30)
    assert metrics.status_code == 403  # not for the stations
    health = requests.get(f"{url}/v1/health", verify=str(county_ca["ca"]), timeout=30)
    assert health.ok


def test_the_county_certificate_is_imported_in_the_window(
        display: str, net: DemoNetwork, county_ca: dict[str, Path], tmp_path: Path) -> None:
    """同步 → 导入县里提供的证书…: a file that is no certificate is refused in words and
    nothing changes; the county's file is kept, and said so."""
    app = log_in(net, tmp_path, net.village.data, VILLAGE[1], DEMO_AGENT)
    try:
        screen = app.view.open("sync")  # type: ignore[union-attr]
        assert isinstance(screen, SyncScreen)
        wrong = tmp_path / "notes.pem"
        wrong.write_text("这不是证书", encoding="utf-8")
        screen.import_ca_from(wrong)
        pump(app.root, lambda: bool(text_of(screen.hub_message)), what="the refusal")
        assert "不是证书文件" in text_of(screen.hub_message)
        assert not (net.village.data / hub_tls.CA_FILE).exists()
        screen.import_ca_from(county_ca["ca"])
        pump(app.root, lambda: "已导入" in text_of(screen.hub_message), what="the import")
        assert (net.village.data / hub_tls.CA_FILE).read_bytes() == county_ca["ca"].read_bytes()
    finally:
        app.close()


def test_a_large_scan_is_pipelined_through_nginx(
        net: DemoNetwork, nginx: dict[str, int], county_ca: dict[str, Path]) -> None:
    """A 3 MiB scan's parts go pipelined on one TLS connection through nginx (which
    passes a connection's requests on one after the other) and end whole at the hub."""
    url = f"https://localhost:{nginx['tls']}"
    with net.open(net.village) as village:
        link.set_hub(village, url)
        hub_tls.set_ca(village, county_ca["ca"])
        client = link.client_for(village)
        link.connect(village, client)
    data = os.urandom(3 * CHUNK)
    address = hashlib.sha256(data).hexdigest()
    sent = client.upload(address, len(data), lambda at, n: data[at:at + n])
    assert sent == len(data), "nothing sent twice"
    assert client.pipeline, "the connection stayed open for the pipelined parts"
    assert client.read_material(address, len(data)) == data
