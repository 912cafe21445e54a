"""A whole network on this machine: county hub, township hub, a village, a reviewer.

``setup`` creates and enrols the nodes (each a real data directory);
``start_hubs`` runs each hub as its own ``station hub serve`` process on
loopback; ``round_trip`` files cases at the village and follows them up to
the county and a return back down.  Stations are opened one at a time (one
store per process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from station.app import Station
from station.casework import review_queue
from station.demo.samples import RESIDENTS, draw_scan
from station.demo.village import DEMO_AGENT, DEMO_AGENT_NAME, DEMO_PASSPHRASE, sample_cases
from station.documents.fonts import find_cjk_font
from station.filing.new_case import FilingResult, MaterialFile, file_case
from station.hubops import hub_runner
from station.hubops.hub_banner import started_address
from station.network import link
from station.trust import enrolment, offices, seals, users
from sync.audit import verify_hub
from sync.hub.identity import open_database
from sync.hub.models import HubEvent

COUNTY = ("county", "450981000000", "桂平市政务服务中心")
TOWNSHIP = ("township", "450981104000", "桂平市示范镇便民服务中心")
VILLAGE = ("village", "450981104201", "桂平市示范镇示范村便民服务站")
ADMIN = "admin"
REVIEWERS = (("mz", "王审核", "民政办"), ("mz2", "赵审核", "民政办"), ("cl", "李审核", "残联"))
TOWNSHIP_SIGNERS = (("mzqf", "钱签发", "民政办"),)
COUNTY_USERS = (("archivist", "auditor", "档案"), ("mzj", "reviewer", "民政局"),
                ("mzqz", "signer", "民政局"), ("clj", "reviewer", "残联"))
SEALED_OFFICES = {"county": ("民政局",), "township": ("民政办", "残联")}


@dataclass
class DemoNode:
    code: str
    role: str
    data: Path
    user: str
    passphrase: str
    address: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "role": self.role, "data": str(self.data),
                "address": self.address, "user": self.user, "passphrase": self.passphrase}


@dataclass
class DemoNetwork:
    workdir: Path
    passphrase: str
    county: DemoNode
    township: DemoNode
    village: DemoNode
    reviewer: DemoNode
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    county_db: str | None = None
    township_db: str | None = None

    @property
    def nodes(self) -> list[DemoNode]:
        return [self.county, self.township, self.village, self.reviewer]

    @contextmanager
    def open(self, node: DemoNode, user: str | None = None) -> Iterator[Station]:
        station = Station.open(node.data, user or node.user, self.passphrase,
                               self.workdir / "documents" / node.code)
        try:
            yield station
        finally:
            station.close()

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()


def _init(workdir: Path, spec: tuple[str, str, str], user: str, passphrase: str,
          display: str | None = None) -> Path:
    tier, code, name = spec
    data = workdir / code
    if not (data / "station.db").exists():
        Station.init(data, tier, code, name, user, passphrase, workdir / "documents" / code,
                     display_name=display)[0].close()
    return data


def _enrol(net: DemoNetwork, parent: DemoNode, child: DemoNode, tier: str) -> None:
    folder = net.workdir / "enrolment"
    folder.mkdir(exist_ok=True)
    request, answer = folder / f"{child.code}.request", folder / f"{child.code}.certs"
    with net.open(parent, ADMIN) as station:
        code = enrolment.issue_code(station, child.code, tier).code
    with net.open(child) as station:
        enrolment.write_request(station, code, request)
    with net.open(parent, ADMIN) as station:
        enrolment.approve_request(station, request, answer)
    with net.open(child) as station:
        enrolment.install_certificates(station, answer)


def setup(workdir: Path, passphrase: str | None = None) -> DemoNetwork:
    """Create and enrol the demo nodes (again: reuse what is there)."""
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    secret = passphrase or os.environ.get("STATION_PASSPHRASE") or DEMO_PASSPHRASE
    marker = workdir / "link.json"
    county_data = _init(workdir, COUNTY, ADMIN, secret)
    township_data = _init(workdir, TOWNSHIP, ADMIN, secret)
    village_data = _init(workdir, VILLAGE, DEMO_AGENT, secret, DEMO_AGENT_NAME)
    net = DemoNetwork(
        workdir, secret,
        DemoNode(COUNTY[1], "county-hub", county_data, ADMIN, secret),
        DemoNode(TOWNSHIP[1], "township-hub", township_data, ADMIN, secret),
        DemoNode(VILLAGE[1], "village", village_data, DEMO_AGENT, secret),
        DemoNode(TOWNSHIP[1], "reviewer", township_data, REVIEWERS[0][0], secret))
    if marker.exists():
        return net
    with net.open(net.county) as county:
        enrolment.init_ca(county)
        for name, role, office in COUNTY_USERS:
            users.add_user(county, name, role, secret, office=office)
        for office in sorted({office for _, _, office in COUNTY_USERS}):
            offices.create_office(county, office)
        for office in SEALED_OFFICES["county"]:
            seals.create_seal(county, office)
    _enrol(net, net.county, net.township, "township")
    with net.open(net.township) as township:
        for name, display, office in REVIEWERS:
            users.add_user(township, name, "reviewer", secret, display, office)
        for name, display, office in TOWNSHIP_SIGNERS:
            users.add_user(township, name, "signer", secret, display, office)
        for office in sorted({office for _, _, office in REVIEWERS}):
            offices.create_office(township, office)
        for office in SEALED_OFFICES["township"]:
            seals.create_seal(township, office)
    _enrol(net, net.township, net.village, "village")
    marker.write_text(json.dumps([n.to_json() for n in net.nodes], ensure_ascii=False),
                      encoding="utf-8")
    return net


def add_village(net: DemoNetwork, code: str, name: str) -> DemoNode:
    """Create and enrol one more village under the demo township (offline, by files),
    e.g. a neighbour whose data another village must not read."""
    data = _init(net.workdir, ("village", code, name), DEMO_AGENT, net.passphrase,
                 DEMO_AGENT_NAME)
    node = DemoNode(code, "village", data, DEMO_AGENT, net.passphrase)
    _enrol(net, net.township, node, "village")
    return node


def station_command() -> list[str]:
    """This program as a command line: the installed bundle's own executable when frozen
    (the .deb's PyInstaller build has no ``python -m``), else this Python and the module."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "station.cli.main"]


def start_hub(net: DemoNetwork, node: DemoNode, upstream: str | None = None,
              db: str | None = None, timeout: float = 60.0,
              listen: str = "127.0.0.1:0", public_names: tuple[str, ...] = (),
              options: tuple[str, ...] = ()) -> str:
    argv = [*station_command(), "hub", "serve", "--data", str(node.data),
            "--user", ADMIN, "--listen", listen, *options]
    for name in public_names:
        argv += ["--public-name", name]
    if upstream:
        argv += ["--upstream", upstream]
    if db:
        argv += ["--db", db]
    env = {**os.environ, "STATION_PASSPHRASE": net.passphrase}
    log = (net.workdir / f"hub-{node.code}.log").open("ab")
    process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.PIPE)
    net.processes.append(process)
    node.process = process
    deadline = time.monotonic() + timeout
    assert process.stderr is not None
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            raise RuntimeError(f"hub {node.code} exited: {process.wait()}")
        log.write(line)
        log.flush()
        found = started_address(line.decode("utf-8", "replace"))
        if found:
            node.address = found
            _drain(process, log)
            return node.address
    raise RuntimeError(f"hub {node.code} did not start in {timeout} s")


def _drain(process: subprocess.Popen[bytes], log: Any) -> None:
    """Keep copying the hub's messages to its log file so its pipe never fills."""
    def copy() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.write(line)
            log.flush()
    threading.Thread(target=copy, daemon=True).start()


def start_hubs(net: DemoNetwork, county_db: str | None = None,
               township_db: str | None = None) -> None:
    net.county_db, net.township_db = county_db, township_db
    county = start_hub(net, net.county, db=county_db)
    township = start_hub(net, net.township, upstream=county, db=township_db)
    net.reviewer.address = township
    net.village.address = None
    with net.open(net.village) as village:
        link.set_hub(village, township)
    for name, _display, _office in (*REVIEWERS, *TOWNSHIP_SIGNERS):
        with net.open(net.township, name) as desk:
            link.set_hub(desk, township)
    for name, _role, _office in COUNTY_USERS:
        with net.open(net.county, name) as desk:
            link.set_hub(desk, county)


def file_samples(net: DemoNetwork, station: Station,
                 count: int | None = None) -> list[FilingResult]:
    font = find_cjk_font().path
    scans = net.workdir / "scans"
    filed = []
    samples = sample_cases(date.today())
    for index in range(count or len(samples)):
        sample = samples[index % len(samples)]
        files = []
        for name, pages in sample.pages:
            for page in range(1, pages + 1):
                path = draw_scan(scans / f"{index}-{sample.matter}-{name}-{page}.jpg", name,
                                 [sample.resident.name, sample.resident.address, f"第 {page} 页"],
                                 index * 100 + page, font)
                files.append(MaterialFile(name, path))
        filed.append(file_case(station, sample.matter, sample.resident.to_json(), sample.form,
                               files))
    return filed


def wait_until(check: Any, timeout: float = 90.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.25)


def wait_for_county(net: DemoNetwork, heads: dict[str, int], timeout: float = 90.0) -> None:
    """Until the county hub holds each node's events up to the given seq (the
    township forwards on its own schedule).  The county is unlocked once."""
    assert net.county.address
    with net.open(net.county) as county:
        client = link.client_for(county, net.county.address)
        link.connect(county, client)
        wait_until(lambda: all(int(client.node_head(node)["high_water"]) >= seq
                               for node, seq in heads.items()), timeout, "the county hub")


def round_trip(net: DemoNetwork, cases: int | None = None) -> dict[str, Any]:
    """File at the village, follow up to the county, claim, return, back to the village."""
    with net.open(net.village) as village:
        results = file_samples(net, village, cases)
        filed = [r.case_no for r in results]
        link.sync_once(village)
        village_head = link.acked_seq()
    wait_for_county(net, {net.village.code: village_head})
    with net.open(net.reviewer) as desk:
        link.sync_once(desk)
        queue = review_queue.queue(desk)
        at_township = len([c for c in queue if c["case_no"] in filed])
        target = filed[0]
        review_queue.claim(desk, target)
        review_queue.return_to_village(desk, target, "请补充户口簿首页")
        desk_head = link.acked_seq()
    with net.open(net.village) as village:
        report = link.sync_once(village)
        returned = report.returned
        village_head = link.acked_seq()
    wait_for_county(net, {net.township.code: desk_head, net.village.code: village_head})
    audit = county_audit(net, filed)
    return {"filed": len(filed), "at_township": at_township, "at_county": audit["at_county"],
            "returned_to_village": len(returned), "returned": returned,
            "cases": [{"case_no": r.case_no, "status": r.status, "deadline": r.deadline,
                       "receipt": str(r.receipt) if r.receipt else None} for r in results],
            "audit_ok": audit["audit"]["ok"], "audit": audit["audit"],
            "nodes": [n.to_json() for n in net.nodes]}


def county_audit(net: DemoNetwork, filed: list[str], db: str | None = None) -> dict[str, Any]:
    """Read the county hub's database: which filings reached it, and the audit."""
    hub_db = open_database(db or net.county_db, net.county.data / hub_runner.DB_NAME)
    try:
        with hub_db.connection_context():
            reached = HubEvent.select().where((HubEvent.type == "case.filed")
                                              & HubEvent.case_no.in_(filed)).count()
            report = verify_hub()
    finally:
        hub_db.close()
    return {"at_county": reached, "audit": report.to_json()}


# -- a case through review, decision, delivery and rating ----------------------------

REVIEW_MATTER = "450981-MZ-004"  # township 民政办 + 残联 review jointly, county 民政局 decides
REVIEW_MISSING = "居民户口簿"


def review_sample(net: DemoNetwork, station: Station, *, with_missing: bool = False,
                  seed: int = 900) -> tuple[FilingResult, list[MaterialFile]]:
    """File the review sample at the village; without ``with_missing`` one required
    material (the 户口簿) is left out.  Returns the filing and that material's scans."""
    font = find_cjk_font().path
    resident = RESIDENTS[1]
    scans = net.workdir / "scans"
    names = ("残疾人两项补贴申请审批表", "第二代残疾人证", "居民身份证", REVIEW_MISSING)
    files = [MaterialFile(name, draw_scan(scans / f"review-{seed}-{i}.jpg", name,
                                          [resident.name, resident.address], seed + i, font,
                                          size=(620, 877)))
             for i, name in enumerate(names)]
    held = [f for f in files if f.name == REVIEW_MISSING]
    given = files if with_missing else [f for f in files if f.name != REVIEW_MISSING]
    form = {"disability_cert_no": resident.id_number + "42", "disability_category": "肢体残疾",
            "disability_level": "二级", "subsidy_type": "重度残疾人护理补贴",
            "household_size": 3, "cert_issue_date": "2020-05-06"}
    return file_case(station, REVIEW_MATTER, resident.to_json(), form, given), held


def review_trip(net: DemoNetwork) -> dict[str, Any]:
    """One case through its whole life: one-time notice, supplement, acceptance, joint
    review by 民政办 and 残联, forwarding, a sealed county decision, delivery and a
    rating.  The sealed documents are written to ``workdir/signed`` and verified."""
    from station.cases import case_documents
    from station.casework import delivery, review
    from station.documents.verify import verify_pdf
    from station.trust import revocations
    from station.trust import seals as seal_store

    folder = net.workdir / "signed"
    with net.open(net.village) as village:
        filed, held = review_sample(net, village)
        link.sync_once(village)
    case_no = filed.case_no
    with net.open(net.township, REVIEWERS[0][0]) as desk:
        review.claim(desk, case_no)
        review.request_supplement(desk, case_no, [review.Verdict(REVIEW_MISSING, "missing",
                                                                 "需户主页和本人页")])
    with net.open(net.village) as village:
        link.sync_once(village)
        delivery.supplement(village, case_no, held)
    with net.open(net.township, REVIEWERS[0][0]) as desk:
        review.accept(desk, case_no, "材料齐全，予以受理")
        review.open_joint(desk, case_no, "请残联核对残疾人证")
    with net.open(net.township, REVIEWERS[2][0]) as other:
        review.give_opinion(other, case_no, "残疾类别、等级属实，同意")
    with net.open(net.township, REVIEWERS[0][0]) as desk:
        review.forward(desk, case_no, "经审核，符合条件，同意上报")
        township_head = link.acked_seq()
    wait_for_county(net, {net.township.code: township_head})
    with net.open(net.county, COUNTY_USERS[2][0]) as signer:
        review.claim(signer, case_no)
        decided = review.decide(signer, case_no, True, "同意给予重度残疾人护理补贴")

    def received() -> bool:
        with net.open(net.village) as village:
            link.sync_once(village)
            return any(d.kind == "approve" for d in case_documents.of_case(case_no))

    wait_until(received, 60, "the decision at the village")
    paths, verified = [], 0
    with net.open(net.village) as village:
        root, revoked = seal_store.trust_root(), revocations.current(village)
        for document in case_documents.of_case(case_no):
            path = case_documents.export(village, document.id, folder)
            paths.append(str(path))
            verified += verify_pdf(path, root, revoked).ok
        delivery.deliver(village, case_no)
        rated = delivery.rate(village, case_no, "满意")
    return {"review_case": case_no, "decided": decided.outcome == "approved",
            "signed_pdfs": paths, "signed_pdfs_verified": verified,
            "delivered": True, "rated": rated.state == "closed"}


# -- 资料共享: the same resident's next matter reuses what the office already checked --------

REUSE_MATTER = "450981-MZ-003"  # 临时救助申请: needs the ID card and the 户口簿 again
REUSE_FORM = {"hardship_type": "火灾", "household_size": 3, "amount_requested": 2000,
              "incident_date": None}


def reuse_trip(net: DemoNetwork) -> dict[str, Any]:
    """After the review trip: the same resident applies for 临时救助.  The village
    offers the ID card and the 户口簿 the 民政办 accepted in the reviewed case; the
    resident agrees, so only the new papers are scanned.  The figures: pages scanned
    with reuse against without, scans uploaded, and what the township desk shows."""
    from station.cases import material_checks
    from station.casework import review
    from station.filing import reuse

    font = find_cjk_font().path
    resident = RESIDENTS[1]
    form = {**REUSE_FORM, "incident_date": date.today().isoformat()}
    with net.open(net.village) as village:
        link.sync_once(village)  # hear the 受理 (its 齐全 verdicts) first
        matter = village.catalogue.get(REUSE_MATTER)
        offered = [o for o in reuse.offers(village, resident.id_number, matter) if o.usable]
        chosen = {o.name for o in offered}
        needed = [m.name for m in matter.required_materials(form) if m.name not in chosen]
        files = [MaterialFile(name, draw_scan(net.workdir / "scans" / f"reuse-{i}.jpg", name,
                                              [resident.name, resident.address], 700 + i,
                                              font, size=(620, 877)))
                 for i, name in enumerate(needed)]
        filed = file_case(village, REUSE_MATTER, resident.to_json(), form, files,
                          reuse=sorted(chosen), consent=True)
        report = link.sync_once(village)
        village_head = link.acked_seq()
    wait_for_county(net, {net.village.code: village_head})
    with net.open(net.township, "mz") as desk:
        review.claim(desk, filed.case_no)
        shown = {name: source.text() for name, source
                 in material_checks.case_sources(filed.case_no).items() if name in chosen}
    return {"reuse_case": filed.case_no, "reused": sorted(chosen), "missing": filed.missing,
            "pages_scanned": len(files),
            "pages_without_reuse": len(files) + sum(o.pages for o in offered),
            "scans_uploaded": report.materials, "desk_shows": shown}
