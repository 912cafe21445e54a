"""资料共享 end to end over real hubs (issue 20): a resident files 低保 with the ID card
and the 户口簿, the township 民政办 accepts it (受理: both found 齐全); a later matter of
the same resident reuses both with consent; no scan byte of theirs is uploaded again
(counted at a relay in front of the township hub); the township reviewer opens them
(their key re-wrapped to the new case's readers inside its sealed filing) and sees
已核验 with the office and the day.  Then the same through the command line, and the
chain at the county verifies."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from datetime import datetime
from pathlib import Path

import pytest
from cli import station as station_cli
from conftest import write_json
from filing_samples import APPLICANT, DIBAO_FORM, DIBAO_MATTER, ELDER_FORM, ELDER_MATTER, scans
from relay import LoopbackRelay
from test_hub_blobs_http import behind_relay

from keys.ca import CHINA_TIME
from station import outbox
from station.cases import material_checks
from station.cases.register import read_material
from station.casework import review
from station.demo.demo_network import DemoNetwork, start_hubs, wait_for_county
from station.filing import reuse
from station.filing.new_case import file_case
from station.network import link
from station.store.models import Event, OutgoingMaterial
from sync import lifecycle

pytestmark = pytest.mark.slow

SHARED = ("居民身份证", "居民户口簿")
MATERIAL_REQUEST = re.compile(rb"(?:PUT|POST|PATCH) /v1/materials/([0-9a-f]{64})")


class CountingRelay(LoopbackRelay):
    """Passes bytes both ways and keeps what the clients sent, to count material
    uploads (their request lines) and bytes at the hub's door."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.sent = bytearray()
        self.lock = threading.Lock()
        super().__init__(target)

    def serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.target)
        threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()
        self._pump(client, upstream, True)

    def _pump(self, source: socket.socket, sink: socket.socket, keep: bool) -> None:
        try:
            while data := source.recv(65536):
                if keep:
                    with self.lock:
                        self.sent += data
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def reset(self) -> None:
        with self.lock:
            self.sent.clear()

    def uploads(self) -> list[str]:
        """The material addresses the clients sent requests for, in order."""
        with self.lock:
            return [m.group(1).decode() for m in MATERIAL_REQUEST.finditer(bytes(self.sent))]

    def close(self) -> None:
        self.server.close()


def sync_all(net: DemoNetwork) -> None:
    heads = {}
    for node in (net.village, net.township):
        with net.open(node) as station:
            link.sync_once(station)
            heads[node.code] = link.acked_seq()
    wait_for_county(net, heads)
    for node in (net.county, net.township, net.village):
        with net.open(node) as station:
            link.sync_once(station)


def village_behind(net: DemoNetwork, relay: CountingRelay) -> None:
    with net.open(net.village) as village:
        link.set_hub(village, relay.address)


def first_case_accepted(net: DemoNetwork, tmp_path: Path) -> str:
    """低保 filed with the ID card (2 pages) and the 户口簿; the 民政办 accepts it."""
    files = scans(tmp_path / "a", ("最低生活保障申请书", "家庭经济状况核对授权书",
                                   "家庭收入情况说明")) \
        + scans(tmp_path / "id", ("居民身份证",), pages=2, seed=100) \
        + scans(tmp_path / "hk", ("居民户口簿",), seed=200)
    with net.open(net.village) as village:
        case_no = file_case(village, DIBAO_MATTER, APPLICANT, DIBAO_FORM, files,
                            print_documents=False).case_no
        link.sync_once(village)
    with net.open(net.township, "mz") as desk:
        review.claim(desk, case_no)
        view = review.accept(desk, case_no, "材料齐全，予以受理。",
                             [review.Verdict(n, "ok") for n in SHARED])
        assert view.state == lifecycle.REVIEW
    return case_no


def test_reuse_end_to_end_over_real_hubs(net: DemoNetwork, tmp_path: Path) -> None:
    start_hubs(net)
    relay = behind_relay(net, CountingRelay)  # the hub answers requests signed for it
    try:
        village_behind(net, relay)
        first = first_case_accepted(net, tmp_path)
        today = datetime.now(CHINA_TIME).date().isoformat()
        with net.open(net.village) as village:
            shared = {r.blob: r.address for r in OutgoingMaterial.select()}
        first_uploads = set(relay.uploads())
        assert first_uploads  # the first case's scans went up through the relay

        sync_all(net)  # the 受理 comes down: the village offers the pages as 已核验
        with net.open(net.village) as village:
            offered = reuse.offers(village, APPLICANT["id_number"],
                                   village.catalogue.get(ELDER_MATTER))
            assert {(o.name, o.case_no) for o in offered} == {(n, first) for n in SHARED}
            assert all([(c.office, c.day) for c in o.checks] == [("民政办", today)]
                       for o in offered)
        relay.reset()
        fresh = scans(tmp_path / "b", ("高龄津贴申请表", "社会保障卡或银行卡"), seed=300)
        with net.open(net.village) as village:
            result = file_case(village, ELDER_MATTER, APPLICANT, ELDER_FORM, fresh,
                               reuse=list(SHARED), consent=True)
            assert result.missing == [] and sorted(result.reused) == sorted(SHARED)
            report = link.sync_once(village)
            travelling = {r.blob: r.address for r in OutgoingMaterial.select()}
            chain = [e.type for e in Event.select().where(Event.case_no == result.case_no)
                     .order_by(Event.seq)]
        assert chain[:2] == [outbox.CONSENT_REUSE, outbox.CASE_FILED]
        new_addresses = set(travelling.values()) - set(shared.values())
        uploaded = set(relay.uploads())
        # Only the two new scans went up; nothing of the reused pages.
        assert uploaded == new_addresses and len(uploaded) == 2
        assert not uploaded & first_uploads
        assert report.materials == 2

        sync_all(net)
        with net.open(net.township, "mz") as desk:
            review.claim(desk, result.case_no)
            sources = material_checks.case_sources(result.case_no)
            for name in SHARED:
                assert sources[name].reused_from == first
                assert [(c.office, c.day) for c in sources[name].checks] == [("民政办", today)]
                assert "已核验（民政办，" in sources[name].text()
            assert sources["高龄津贴申请表"].checks == ()
            # The reviewer opens the reused pages: the same scans the village holds.
            pages = [read_material(desk, result.case_no, "居民身份证", page) for page in (1, 2)]
        with net.open(net.village) as village:
            assert pages == [read_material(village, first, "居民身份证", page) for page in (1, 2)]
    finally:
        relay.close()


def test_reuse_through_the_command_line(net: DemoNetwork, tmp_path: Path) -> None:
    start_hubs(net)
    first = first_case_accepted(net, tmp_path)
    env = {"STATION_PASSPHRASE": net.passphrase}

    def cli(node_data: Path, *args: str | Path, user: str | None = None) -> dict:
        extra = ["--user", user] if user else []
        done = station_cli(*args, "--data", node_data, *extra, "--json", env=env)
        assert done.code == 0, done.err
        return done.json()

    offered = cli(net.village.data, "case", "reusable", APPLICANT["id_number"],
                  "--matter", ELDER_MATTER)
    assert {(o["name"], o["case_no"]) for o in offered} == {(n, first) for n in SHARED}
    applicant = write_json(tmp_path / "applicant.json", APPLICANT)
    form = write_json(tmp_path / "form.json", ELDER_FORM)
    fresh = scans(tmp_path / "b", ("高龄津贴申请表", "社会保障卡或银行卡"), seed=300)
    filed = cli(net.village.data, "case", "new", "--matter", ELDER_MATTER, "--applicant",
                applicant, "--form", form, "--reuse", SHARED[0], "--reuse", SHARED[1],
                "--consent", *[a for f in fresh for a in ("--material", f"{f.name}={f.path}")])
    assert filed["missing"] == [] and sorted(filed["reused"]) == sorted(SHARED)
    sync_all(net)
    done = station_cli("review", "claim", filed["case_no"], "--data", net.township.data,
                       "--user", "mz", env=env)
    assert done.code == 0, done.err
    shown = station_cli("case", "show", filed["case_no"], "--data", net.township.data,
                        "--user", "mz", env=env)
    assert shown.code == 0, shown.err
    lines = [line for line in shown.out.splitlines() if "居民户口簿" in line]
    assert lines and all(f"复用自办件 {first}" in line and "已核验（民政办，" in line
                         for line in lines)
    # The county's audit verifies every chain, the consent event included.
    audit = station_cli("audit", "verify", "--data", net.county.data, "--json", env=env)
    assert audit.code == 0, audit.err
    assert not audit.json()["forks"] and not audit.json()["gaps"]
