"""A station's own backup and restore (issue 17, item 5): real files, real SQLite, the
real ``station`` command in child processes.

A backup is taken while another process keeps filing cases; restored into an empty
folder it opens with the passphrase and with the recovery key, every case of the
snapshot is there with its scans, and the chain goes on from where the copy was made.
A wrong passphrase, a cut or altered file or a file that is no backup are refused with
one plain message, and the target folder is left as it was.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from cli import snapshot, station
from conftest import PASSPHRASE, VILLAGE, write_json
from filing_samples import APPLICANT, ELDER_FORM, ELDER_MATTER, ELDER_REQUIRED
from test_at_rest import ADDRESS, ID_NUMBER, NAME, PHONE, needles

from keys.errors import WrongPassphrase, WrongRecoveryKey
from keys.stream import HEADER_LENGTH, TAG_LENGTH
from keys.vault import Vault
from station.app import Station
from station.backup import restore
from station.backup.errors import (
    BackupDamaged,
    BackupTruncated,
    NotABackup,
    RestoreTargetHasStation,
    RestoreTargetNotEmpty,
)
from station.backup.file_format import MAGIC, read_header_of
from station.backup.take import CHUNK_SIZE
from station.demo.samples import draw_scan
from station.outbox import ACCESS_BACKED_UP, verify_chain
from station.store.models import Case, CaseMaterial, Event, Setting
from station.trust import passphrases

NEW_PASSPHRASE = "恢复之后的新口令 2027"


def env_for(data: Path, documents: Path) -> dict[str, str]:
    return {"STATION_DATA": str(data), "STATION_PASSPHRASE": PASSPHRASE,
            "STATION_DOCUMENTS": str(documents)}


def init(tmp_path: Path) -> dict[str, str]:
    env = env_for(tmp_path / "data", tmp_path / "printed")
    made = station("init", "--tier", VILLAGE[0], "--code", VILLAGE[1], "--name", VILLAGE[2],
                   "--operator", "agent", env=env)
    assert made.code == 0, made.err
    return env


class Filer:
    """Another process filing cases, one ``station case new`` after another, each with
    scans of its own; what each case holds is remembered to compare after restore."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.folder, self.env = tmp_path / "filer", env
        self.filed: dict[str, dict[str, bytes]] = {}
        self.error: str | None = None
        self.stop = threading.Event()
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def file_one(self, index: int) -> None:
        folder = self.folder / str(index)
        folder.mkdir(parents=True)
        args, pages = [], {}
        for i, name in enumerate(ELDER_REQUIRED):
            path = draw_scan(folder / f"{i}.jpg", name, [f"第 {index} 件"], seed=index * 10 + i,
                             size=(300, 400))
            args += ["--material", f"{name}={path}"]
            pages[name] = path.read_bytes()
        applicant = write_json(folder / "a.json", APPLICANT)
        form = write_json(folder / "f.json", ELDER_FORM)
        done = station("case", "new", "--matter", ELDER_MATTER, "--applicant", applicant,
                       "--form", form, *args, "--json", env=self.env)
        if done.code != 0:
            raise AssertionError(done.err)
        with self.changed:
            self.filed[done.json()["case_no"]] = pages
            self.changed.notify_all()

    def _run(self) -> None:
        index = 0
        try:
            while not self.stop.is_set():
                self.file_one(index)
                index += 1
        except Exception as error:  # reported by the test
            self.error = repr(error)
            with self.changed:
                self.changed.notify_all()

    def wait_for(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.filed) >= count or self.error, 600)
        assert self.error is None, self.error

    def finish(self) -> None:
        self.stop.set()
        self.thread.join()
        assert self.error is None, self.error


def check_restored(data: Path, documents: Path, user: str, secret: str,
                   filed: dict[str, dict[str, bytes]], at_least: int) -> set[str]:
    """The restored station opens; each of its cases is one filed, with every scan."""
    with Station.open(data, user, secret, documents) as opened:
        cases = {c.case_no for c in Case.select(Case.case_no)}
        assert len(cases) >= at_least and cases <= set(filed)
        for case_no in cases:
            pages = {m.name: opened.blobs.read(m.blob) for m in
                     CaseMaterial.select().join(Case).where(Case.case_no == case_no)}
            assert pages == filed[case_no], case_no
        assert verify_chain(Event.select().order_by(Event.seq)) == []
        assert Event.select().where(Event.type == ACCESS_BACKED_UP).count() == 1
        resume = json.loads(Setting.get(Setting.key == "chain.resume").value)
    assert resume["reason"] == "restore" and resume["restored_at"]
    return cases


def test_backup_while_filing_restores_on_a_new_pc(tmp_path: Path) -> None:
    env = init(tmp_path)
    filer = Filer(tmp_path, env)
    filer.thread.start()
    try:
        filer.wait_for(2)
        (tmp_path / "stick").mkdir()
        made = station("backup", "--to", tmp_path / "stick" / "copy.bmsbackup", "--json",
                       env=env)
        assert made.code == 0, made.err
        during = len(filer.filed)
        filer.wait_for(during + 1)  # the filing went on after the copy too
    finally:
        filer.finish()
    backup = tmp_path / "stick" / "copy.bmsbackup"
    assert made.json()["cases"] >= 2 and not (tmp_path / "stick" / "copy.bmsbackup.part").exists()
    header = read_header_of(backup)
    assert header.node_code == VILLAGE[1] and header.created_at == made.json()["created_at"]

    new_pc = tmp_path / "new-pc" / "data"
    done = station("restore", backup, "--json", env=env_for(new_pc, tmp_path / "printed2"))
    assert done.code == 0, done.err
    assert done.json()["cases"] == made.json()["cases"]
    cases = check_restored(new_pc, tmp_path / "printed2", "agent", PASSPHRASE, filer.filed,
                           made.json()["cases"])
    assert len(cases) == made.json()["cases"] < len(filer.filed)


def test_the_restored_store_opens_with_the_recovery_key(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    key = recovery_key_of_new_station(tmp_path, monkeypatch)
    env = env_for(tmp_path / "data", tmp_path / "printed")
    filer = Filer(tmp_path, env)
    filer.file_one(0)
    backup = tmp_path / "copy.bmsbackup"
    assert station("backup", "--to", backup, env=env).code == 0
    # With the passphrase, then the ordinary 忘记口令 flow on the restored store.
    restored = tmp_path / "a"
    restore.restore_backup(backup, restored, restore.WithPassphrase(PASSPHRASE))
    opened, _dropped = passphrases.recover(restored, "agent", key, NEW_PASSPHRASE,
                                           NEW_PASSPHRASE, tmp_path / "printed")
    opened.close()
    check_restored(restored, tmp_path / "printed", "agent", NEW_PASSPHRASE, filer.filed, 1)
    # With the recovery key straight away (the command asks for a new passphrase).
    other = tmp_path / "b"
    wrong = station("restore", backup, "--recovery-key",
                    env={**env_for(other, tmp_path / "p"), "STATION_RECOVERY_KEY": "0" * 52,
                         "STATION_NEW_PASSPHRASE": NEW_PASSPHRASE})
    assert wrong.code == 3 and "恢复密钥不正确" in wrong.err and not other.exists()
    done = station("restore", backup, "--recovery-key", "--json",
                   env={**env_for(other, tmp_path / "p"), "STATION_RECOVERY_KEY": key,
                        "STATION_NEW_PASSPHRASE": NEW_PASSPHRASE})
    assert done.code == 0, done.err
    check_restored(other, tmp_path / "p", "agent", NEW_PASSPHRASE, filer.filed, 1)
    with pytest.raises(WrongPassphrase):
        Station.open(other, "agent", PASSPHRASE, tmp_path / "p")


def recovery_key_of_new_station(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Make the station in-process and keep the recovery key it prints on its sheet."""
    seen: list[str] = []
    create = Vault.create

    def keep(*args: Any, **kwargs: Any) -> Any:
        vault, key = create(*args, **kwargs)
        seen.append(key)
        return vault, key

    monkeypatch.setattr(Vault, "create", keep)
    made, _sheet = Station.init(tmp_path / "data", *VILLAGE, "agent", PASSPHRASE,
                                tmp_path / "printed")
    made.close()
    monkeypatch.undo()
    return seen[0]


def test_no_personal_data_in_clear_in_the_backup(tmp_path: Path) -> None:
    env = init(tmp_path)
    scan_path = draw_scan(tmp_path / "scan.jpg", "居民身份证", [NAME, ID_NUMBER, ADDRESS], seed=7)
    scan = scan_path.read_bytes()
    applicant = write_json(tmp_path / "a.json", {"name": NAME, "id_number": ID_NUMBER,
                                                 "phone": PHONE, "address": ADDRESS})
    form = write_json(tmp_path / "f.json", {
        "household_size": 3, "monthly_income_per_capita": 300, "main_reason": "因残",
        "has_severe_case": "否", "bank_card_no": "6217995610009876543",
        "application_date": "2026-11-20"})
    filed = station("case", "new", "--matter", "450981-MZ-001", "--applicant", applicant,
                    "--form", form, "--material", f"居民身份证={scan_path}", "--json", env=env)
    assert filed.code == 0, filed.err
    backup = tmp_path / "copy.bmsbackup"
    assert station("backup", "--to", backup, env=env).code == 0
    content = backup.read_bytes()
    needle_set = {k: v for k, v in needles(scan).items() if k != "agent's name"}
    for what, needle in needle_set.items():
        assert needle not in content, f"{what} in plaintext in the backup"
    assert b"SQLite format 3" not in content  # not even the store's clear columns
    assert filed.json()["case_no"].encode() not in content


@pytest.fixture
def backup(tmp_path: Path) -> Path:
    env = init(tmp_path)
    Filer(tmp_path, env).file_one(0)
    path = tmp_path / "copy.bmsbackup"
    assert station("backup", "--to", path, env=env).code == 0
    return path


def refused(backup: Path, target: Path, kind: type[Exception],
            unlock: restore.Unlock | None = None) -> None:
    before = snapshot(target) if target.exists() else None
    with pytest.raises(kind):
        restore.restore_backup(backup, target, unlock or restore.WithPassphrase(PASSPHRASE))
    assert (snapshot(target) if target.exists() else None) == before
    beside = target.parent
    while not beside.exists():
        beside = beside.parent
    assert not [p for p in beside.iterdir() if ".restore-" in p.name]


def test_a_wrong_passphrase_writes_nothing(backup: Path, tmp_path: Path) -> None:
    target = tmp_path / "new" / "data"
    refused(backup, target, WrongPassphrase, restore.WithPassphrase("not the passphrase"))
    assert not target.exists()
    refused(backup, target, WrongRecoveryKey,
            restore.WithRecoveryKey("0" * 52, NEW_PASSPHRASE))
    out = station("restore", backup, env={**env_for(target, tmp_path / "p"),
                                          "STATION_PASSPHRASE": "not the passphrase"})
    assert out.code == 3 and "口令不正确" in out.err and not target.exists()


def test_a_cut_file_is_refused_whole(backup: Path, tmp_path: Path) -> None:
    content = backup.read_bytes()
    body = content.index(b"BMS1")  # the stream's header follows the clear header
    piece = CHUNK_SIZE + TAG_LENGTH  # a full AEAD chunk of the body
    cuts = sorted({len(MAGIC) + 2, body - 1, body + 20, body + HEADER_LENGTH + piece,
                   len(content) // 2, len(content) - 17, len(content) - 1})
    target = tmp_path / "new"
    for cut in cuts:
        short = tmp_path / f"cut-{cut}.bmsbackup"
        short.write_bytes(content[:cut])
        # Cut inside a piece, the file cannot tell a cut from damage: both are refused.
        kind = NotABackup if cut < body else BackupDamaged
        refused(short, target, kind)
        assert not target.exists()
    at_a_piece = tmp_path / f"cut-{body + HEADER_LENGTH + piece}.bmsbackup"  # surely cut: said so
    with pytest.raises(BackupTruncated):
        restore.restore_backup(at_a_piece, target, restore.WithPassphrase(PASSPHRASE))
    out = station("restore", tmp_path / f"cut-{cuts[-1]}.bmsbackup",
                  env=env_for(target, tmp_path / "p"))
    assert out.code == 6 and "不完整" in out.err and not target.exists()


def test_a_changed_byte_is_refused(backup: Path, tmp_path: Path) -> None:
    content = backup.read_bytes()
    body = content.index(b"BMS1")
    created = content.index(b'"created_at": "') + len('"created_at": "') + 3
    target = tmp_path / "new"
    target.mkdir()  # an empty folder: stays empty
    for at in (created, body + 2, body + 30, body + 5000, len(content) // 2,
               len(content) - 40, len(content) - 1):
        changed = bytearray(content)
        changed[at] ^= 0x01
        flipped = tmp_path / "flipped.bmsbackup"
        flipped.write_bytes(bytes(changed))
        refused(flipped, target, BackupDamaged)
        assert list(target.iterdir()) == []
    out = station("restore", tmp_path / "flipped.bmsbackup", env=env_for(target, tmp_path / "p"))
    assert out.code == 6 and "已损坏、被改动" in out.err


def test_a_file_that_is_no_backup_is_refused(backup: Path, tmp_path: Path) -> None:
    target = tmp_path / "new"
    others = {"text.txt": "这不是备份".encode(), "empty": b"",
              "hub.tar": (tmp_path / "data" / "vault.json").read_bytes(),
              "magic only": MAGIC + b"\x00\x00\x00\x05{}{}{"}
    for name, content in others.items():
        path = tmp_path / name
        path.write_bytes(content)
        refused(path, target, NotABackup)
    refused(tmp_path / "missing.bmsbackup", target, NotABackup)
    out = station("restore", tmp_path / "text.txt", env=env_for(target, tmp_path / "p"))
    assert out.code == 4 and "不是便民站的站点备份" in out.err and not target.exists()


def test_a_folder_holding_a_station_is_never_overwritten(backup: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    before = snapshot(data)
    refused(backup, data, RestoreTargetHasStation)
    out = station("restore", backup, env=env_for(data, tmp_path / "p"))
    assert out.code == 1 and "已经有一个站点" in out.err
    assert snapshot(data) == before
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("别的文件")
    refused(backup, busy, RestoreTargetNotEmpty)


def test_the_travelling_copies_the_events_cite_come_back(hubs: Any, tmp_path: Path) -> None:
    """An enrolled village that synced: the re-encrypted copies in ``outgoing/`` are cited
    by address in signed envelopes, so the backup carries them and the restore checks
    each against its SHA-256 (a restored hub may ask for them again)."""
    from station.demo import demo_network
    from station.network import link

    net = hubs
    with net.open(net.village) as village:
        demo_network.file_samples(net, village, 1)
        link.sync_once(village)
    sent = {p.name: p.read_bytes() for p in (net.village.data / "outgoing").iterdir()}
    assert sent
    backup = tmp_path / "village.bmsbackup"
    made = station("backup", "--to", backup, "--data", net.village.data,
                   "--user", net.village.user, env={"STATION_PASSPHRASE": net.passphrase})
    assert made.code == 0, made.err
    restored = tmp_path / "new-pc"
    done = restore.restore_backup(backup, restored, restore.WithPassphrase(
        net.passphrase, net.village.user))
    assert done.cases >= 1
    assert {p.name: p.read_bytes() for p in (restored / "outgoing").iterdir()} == sent


def test_a_missing_scan_or_folder_makes_no_backup(tmp_path: Path) -> None:
    env = init(tmp_path)
    Filer(tmp_path, env).file_one(0)
    out = station("backup", "--to", tmp_path / "no-such-stick" / "copy.bmsbackup", env=env)
    assert out.code == 1 and "无法写入备份文件" in out.err, out.err
    assert not (tmp_path / "no-such-stick").exists()
    scan = next((tmp_path / "data" / "materials").iterdir())
    scan.unlink()  # a disk that lost a file
    target = tmp_path / "copy.bmsbackup"
    out = station("backup", "--to", target, env=env)
    assert out.code == 6 and "1 份扫描件文件找不到" in out.err, out.err
    assert not target.exists() and not list(tmp_path.glob("*.part"))
