"""A village syncing over a bad rural link: 2 Mbit/s, 300 ms RTT, 3 % loss and a
30 s cut in the middle (tests/netlink.py: real network namespaces, tc tbf, nftables
drops, a delaying proxy, the link set down).  20 cases of 5 pages each arrive at the
township and the county with nothing lost; the village runs the product's own
``station sync`` loop inside its namespace, backing off while the link is down.

Needs root and the programs ip, tc and nft; where the namespace cannot be made
the test fails and says why (netlink.LinkUnavailable), it never skips.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date

from netlink import VillageLink
from network import finish_round_trip, hub_holdings

from station.demo import demo_network
from station.demo.demo_network import DemoNetwork
from station.demo.samples import draw_scan
from station.demo.village import sample_cases
from station.documents.fonts import find_cjk_font
from station.filing.new_case import MaterialFile, file_case
from station.hubops import hub_runner
from station.network import link

CASES, PAGES = 20, 5
CUT_SECONDS = 30.0


def file_cases(net: DemoNetwork) -> list[str]:
    """20 cases, each with 5 scanned pages (small, document-camera-like JPEGs)."""
    sample = sample_cases(date.today())[0]
    names = [name for name, pages in sample.pages for _ in range(pages)][:PAGES]
    font = find_cjk_font().path
    filed = []
    with net.open(net.village) as village:
        for case in range(CASES):
            pages = [MaterialFile(name, draw_scan(
                net.workdir / "scans" / f"link-{case}-{page}.jpg", name,
                [sample.resident.name, f"第 {page + 1} 页"], case * 10 + page, font,
                size=(620, 877), quality=60)) for page, name in enumerate(names)]
            filed.append(file_case(village, sample.matter, sample.resident.to_json(),
                                   sample.form, pages).case_no)
    return filed


def township_materials(net: DemoNetwork) -> int:
    """Complete materials at the township hub (read from its database file)."""
    with sqlite3.connect(f"file:{net.township.data / hub_runner.DB_NAME}?mode=ro",
                         uri=True, timeout=30) as db:
        return int(db.execute("SELECT count(*) FROM hub_blob WHERE complete").fetchone()[0])


def restart_township_as(net: DemoNetwork, *public_names: str) -> None:
    process = net.township.process
    assert process is not None and net.township.address and net.county.address
    process.terminate()
    process.wait(30)
    demo_network.start_hub(net, net.township, upstream=net.county.address,
                           listen=public_names[0], public_names=public_names)


def test_twenty_cases_arrive_over_a_bad_link_with_a_cut(net: DemoNetwork) -> None:
    demo_network.start_hubs(net)
    filed = file_cases(net)
    with net.open(net.village) as village:
        direct = link.hub_url(village)
    assert net.township.address and direct
    host, port = net.township.address.removeprefix("http://").split(":")
    env = {**os.environ, "STATION_PASSPHRASE": net.passphrase, "STATION_TEST_WEAK_KDF": "1"}
    with VillageLink(rate_kbit=2000, rtt_ms=300, loss_percent=3.0) as rural:
        via, via_port = rural.forward(host, int(port))
        village_hub = f"http://{via}:{via_port}"
        # the relay is a proxy in front of the hub: its address is a public name too
        restart_township_as(net, f"{host}:{port}", f"localhost:{port}", f"{via}:{via_port}")
        log = (net.workdir / "village-sync.log").open("w")
        sync = rural.popen([sys.executable, "-m", "station.cli.main", "sync", "--json",
                           "--data", net.village.data, "--user", net.village.user,
                           "--hub", village_hub], env=env, stdout=subprocess.PIPE,
                          stderr=log, text=True)
        rounds: list[dict] = []
        reader = threading.Thread(target=lambda: rounds.extend(
            json.loads(line) for line in sync.stdout or [] if line.startswith("{")),
            daemon=True)
        reader.start()
        started = time.monotonic()
        # the cut comes once a good part of the pages (but not all) are in
        demo_network.wait_until(lambda: township_materials(net) >= CASES * PAGES // 3,
                                timeout=900, what="a third of the pages at the township")
        at_cut = township_materials(net)
        rural.cut()
        time.sleep(CUT_SECONDS)
        during_cut = township_materials(net)
        rural.restore()
        demo_network.wait_until(lambda: any(r["pending"] == 0 for r in rounds), timeout=1200,
                                what="the village's sync to finish over the link")
        elapsed = time.monotonic() - started
        sync.terminate()
        sync.wait(30)
        log.close()
    assert at_cut < CASES * PAGES, "the cut came after everything had arrived"
    assert during_cut < CASES * PAGES, "pages kept arriving through a cut link"
    failures = (net.workdir / "village-sync.log").read_text(encoding="utf-8")
    assert "同步失败" in failures, "the cut did not interrupt the sync"
    township = hub_holdings(net, net.township, None)
    assert len(township.materials) == CASES * PAGES and all(township.materials.values())
    print(f"\n20 cases x 5 pages over 2 Mbit/s, 300 ms, 3 % loss, 30 s cut: {elapsed:.0f} s")
    with net.open(net.village) as village:
        link.set_hub(village, direct)
    finish_round_trip(net, filed)
