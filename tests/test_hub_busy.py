"""A hub past its ``--max-busy`` answers 429 with Retry-After at once, health still
answers, and a station's sync round waits and retries (real hub processes).

A request is held in flight the way the bench saw it happen: the test takes the township
hub's SQLite write lock, so the first signed request parks on it (every signed request
records its nonce) and holds the hub's only place; the next one is refused.  Waiting is on
conditions read from the hub's ``/metrics`` (never on time).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from cli import station
from network import hub_holdings, station_holdings

from station import node_keys
from station.demo.demo_network import ADMIN, DemoNetwork, file_samples, start_hub, wait_until
from station.hubops import hub_runner
from station.network import link, sync_worker
from sync.client import HubClient
from sync.problems import PROBLEM_BASE, HubBusy


def start(net: DemoNetwork) -> str:
    county = start_hub(net, net.county)
    township = start_hub(net, net.township, upstream=county, options=("--max-busy", "1"))
    with net.open(net.village) as village:
        link.set_hub(village, township)
    return township


def gauge(url: str, name: str) -> float:
    text = requests.get(url + "/metrics", timeout=30).text
    found = re.search(rf"^{name} ([0-9.e+]+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


@contextmanager
def write_locked(net: DemoNetwork) -> Iterator[None]:
    """Hold the township hub database's write lock (as a long write would)."""
    db = sqlite3.connect(net.township.data / hub_runner.DB_NAME, isolation_level=None,
                         timeout=30)
    try:
        db.execute("BEGIN IMMEDIATE")
        yield
        db.execute("COMMIT")
    finally:
        db.close()


def village_client(net: DemoNetwork) -> tuple[HubClient, str]:
    with net.open(net.village) as village:
        chain = node_keys.certificate(node_keys.SIGNING)
        assert chain
        return link.client_for(village), chain


def hold_the_place(net: DemoNetwork, url: str) -> tuple[threading.Thread, list[Any]]:
    """A signed request parked on the write lock, holding the hub's one place."""
    client, chain = village_client(net)
    client.busy_attempts = 1
    answers: list[Any] = []
    thread = threading.Thread(target=lambda: answers.append(client.hello(chain)))
    thread.start()
    wait_until(lambda: gauge(url, "bianmin_hub_requests_in_progress") == 1,
               what="a request in flight")
    return thread, answers


def test_refused_at_once_with_retry_after_while_health_answers(net: DemoNetwork) -> None:
    url = start(net)
    with write_locked(net):
        blocker, answers = hold_the_place(net, url)
        refused = requests.post(url + "/v1/events", json={"events": []}, timeout=30)
        assert refused.status_code == 429, refused.text
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        assert 1 <= int(refused.headers["Retry-After"]) <= 3
        body = refused.json()
        assert body["type"] == PROBLEM_BASE + "busy" and body["status"] == 429
        assert "枢纽站繁忙" in body["detail"]
        health = requests.get(url + "/v1/health", timeout=30)
        assert health.status_code == 200 and health.json()["node"] == net.township.code
        # A station's client retries a few times, then says so in plain Chinese.
        client, _chain = village_client(net)
        client.busy_attempts = 2
        try:
            client.pull(0)
        except HubBusy as error:
            message = sync_worker.error_message(error)
        else:
            raise AssertionError("a busy hub's refusal was taken for an answer")
        assert message.startswith("枢纽站繁忙，稍后自动重试"), message
        assert "Traceback" not in message and "HubBusy" not in message
        assert client.busy_waits == 1
        assert gauge(url, "bianmin_hub_busy_refusals_total") == 3
    blocker.join()
    assert answers and answers[0]["chain"]
    wait_until(lambda: gauge(url, "bianmin_hub_requests_in_progress") == 0,
               what="the place given back")
    assert requests.post(url + "/v1/events", json={}, timeout=30).status_code != 429


def test_a_round_refused_a_few_times_delivers_everything_once(net: DemoNetwork) -> None:
    url = start(net)
    with net.open(net.village) as village:
        file_samples(net, village, count=1)
        pending = link.pending_count()
    assert pending > 0
    reports: list[Any] = []

    def round_() -> None:
        with net.open(net.village) as village:
            reports.append(link.sync_once(village))

    with write_locked(net):
        blocker, _answers = hold_the_place(net, url)
        syncing = threading.Thread(target=round_)
        syncing.start()
        wait_until(lambda: gauge(url, "bianmin_hub_busy_refusals_total") >= 2,
                   what="the round refused twice")
    blocker.join()
    syncing.join()
    assert reports, "the round did not finish (see the log above)"
    assert reports[0].pending == 0
    sent = station_holdings(net, net.village).sent
    held = hub_holdings(net, net.township, None)
    assert held.rows == len(held.events), "an event is held twice"
    assert {k: v for k, v in held.events.items() if k[0] == net.village.code} == sent
    assert all(held.materials.values())


def test_max_busy_must_be_a_whole_number_of_at_least_one(net: DemoNetwork) -> None:
    for bad in ("0", "-3", "几个"):
        result = station("hub", "serve", "--data", net.township.data, "--user", ADMIN,
                         "--listen", "127.0.0.1:0", "--max-busy", bad)
        assert result.code == 2, result
        assert f"“{bad}”不对：应为不小于 1 的整数。" in result.err, result.err
        assert "Traceback" not in result.err
    assert not net.processes  # no hub was started
