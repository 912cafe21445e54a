"""Store benchmark: filing a case with scans, and reading a store of many cases.

Run from the repository root::

    .venv/bin/python bench/bench_store.py [--cases 100000] [--pages 10] [--page-mb 3]
                                          [--rounds 7] [--runs 7] [--workdir DIR]
                                          [--stress]

``--stress`` runs ``stress-ng --cpu 2`` beside the whole measurement (two busy
workers, as a village PC running an antivirus scan and a browser would have);
the filing target under it is ≤ 1.5× copy + fsync, on a quiet machine ≤ 1.3×.

It prints figures, each beside a peer or a limit measured or declared in the
same run, as a ratio.  It asserts nothing: timings depend on the machine, so
they are read by people (docs/performance.md), never checked by tests.  The
file is not named ``test_*`` and pytest only collects ``tests/``.

What it does, in one process:

1. Builds a station of ``--cases`` cases with the real encrypted models (every
   personal value sealed through the model attributes, blind indexes through
   the station's indexer, one hash-chained ``case.filed`` event per case),
   and the same data in plain SQLite (the peer for lookups).
2. Reads it: the case list's first page, a deep page, the whole list (what
   not paging would cost), finding a resident's cases by ID number, and the
   village desk's searches (ID/phone last 4 + birth year; part of a name).
3. Files cases of ``--pages`` pages of ``--page-mb`` MiB of incompressible
   data, against plainly copying the same files with fsync, interleaved.

Progress goes to stderr; the figures to stdout.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from peewee import Model

from forms.identity import mask_name
from keys.kdf import WEAK_KDF_VARIABLE
from station import outbox
from station.app import Station
from station.cases import register, search
from station.cases.status import FILED
from station.demo.samples import resident_id
from station.filing.new_case import MaterialFile, file_case, snapshot_matter
from station.filing.printing import print_case_documents
from station.store import search_keys
from station.store.models import Applicant, Case, Event, SearchKey, new_id

PASSPHRASE = "bench passphrase 便民站"
NODE = ("village", "450981104201", "桂平市示范镇示范村便民服务站")
AGENT = "daiban"

# The filing sample of tests/filing_samples.py (copied: benchmarks do not import tests).
APPLICANT = {"name": "黄秀英", "id_number": "11010519491231002X", "phone": "13977512345",
             "address": "示范村三组 18 号"}
ELDER_FORM = {"age": 80, "applicant_relation": "本人", "account_type": "社会保障卡",
              "account_no": "6217995610001234567", "start_date": "2026-12-01"}
ELDER_MATTER = "450981-MZ-005"  # 高龄津贴申领
ELDER_MATERIALS = ("高龄津贴申请表", "居民身份证", "居民户口簿", "社会保障卡或银行卡")
DIBAO_MATTER = "450981-MZ-001"  # 农村最低生活保障申请
JPEG_MAGIC = b"\xff\xd8\xff\xe0"

TARGET_FILING_RATIO = 1.3  # on a quiet machine
TARGET_FILING_RATIO_STRESSED = 1.5  # with stress-ng --cpu 2 beside it
STRESS_CPU = 2
LIMIT_LIST_MS = 1000.0
LIMIT_FIND_MS = 50.0
BATCH = 5000  # cases per transaction while building

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦覃莫蓝农"  # noqa: E501
GIVEN = "秀英建国明华丽芳军平玉兰桂珍志强海燕红梅德福春生金凤文光永成淑芬家荣宝贵月娥世杰凤英少华秋菊"  # noqa: E501
AREAS = ("450981", "450802", "450821", "450881")  # 桂平、港北、平南、（旧）桂平
BORN_DAYS = 27_000  # birth dates from 1930-01-01, about 74 years
ID_SLOTS = len(AREAS) * BORN_DAYS * 1000  # area × birth date × 3-digit sequence
ID_STRIDE = 1_000_003  # prime, coprime with ID_SLOTS: k -> distinct slots


# -- measuring ----------------------------------------------------------------


@dataclass
class Timing:
    samples: list[float] = field(default_factory=list)  # seconds

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def spread(self) -> str:
        return f"{ms(min(self.samples))}–{ms(max(self.samples))}"


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = call()
    return time.perf_counter() - start, value


def ms(seconds: float) -> str:
    value = seconds * 1000
    if value < 1:
        return f"{value:.3f} ms"
    return f"{value:.1f} ms" if value < 10_000 else f"{value / 1000:.2f} s"


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- the data -----------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    birth_date: str
    sex: str
    phone: str
    address: str


@dataclass(frozen=True)
class CaseRow:
    case_no: str
    matter_code: str
    person: int  # index into the people
    filed_at: str
    day: date


def make_people(count: int, rng: random.Random) -> list[Person]:
    """Distinct, checksum-valid resident ID numbers; invented names."""
    start = date(1930, 1, 1)
    people = []
    for k in range(count):
        slot = (k * ID_STRIDE + 12_345) % ID_SLOTS
        area = AREAS[slot % len(AREAS)]
        born = start + timedelta(days=(slot // len(AREAS)) % BORN_DAYS)
        sequence = slot // (len(AREAS) * BORN_DAYS)
        number = resident_id(area, born, sequence)
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))
        phone = rng.choice(("139", "138", "158", "177", "187")) + f"{rng.randrange(10**8):08d}"
        address = f"广西壮族自治区桂平市示范镇{rng.choice(GIVEN)}{rng.choice(GIVEN)}村" \
                  f"{rng.randrange(1, 12)}组 {rng.randrange(1, 80)} 号"
        sex = "男" if sequence % 2 else "女"
        people.append(Person(name, number, born.isoformat(), sex, phone, address))
    return people


def residents_of(cases: int) -> list[Person]:
    """The residents of a store of ``cases`` cases: 4/5 as many (one in four has two cases)."""
    rng = random.Random(20261121)
    residents = max(1, cases * 4 // 5)
    return make_people(min(residents, cases), rng)


def make_cases(count: int, people: int, node: str, last_day: date) -> list[CaseRow]:
    """Cases spread evenly over the year up to ``last_day``, in filing order.

    Case i is filed for person i % people: the first cases bring new residents,
    later ones (about one in five) residents who already have a case.
    """
    tz = datetime.now().astimezone().tzinfo
    first_day = last_day - timedelta(days=364)
    rows = []
    per_day: dict[date, int] = {}
    for i in range(count):
        day = first_day + timedelta(days=i * 365 // count)
        n = per_day[day] = per_day.get(day, 0) + 1
        at = datetime(day.year, day.month, day.day, 8, 30, tzinfo=tz) + timedelta(seconds=n * 97)
        rows.append(CaseRow(
            case_no=f"{node}-{day:%Y%m%d}-{n:04d}",
            matter_code=ELDER_MATTER if i % 3 else DIBAO_MATTER,
            person=i % people,
            filed_at=at.isoformat(timespec="seconds"),
            day=day,
        ))
    return rows


def form_of(row: CaseRow) -> dict[str, object]:
    if row.matter_code == ELDER_MATTER:
        return {"age": 85, "applicant_relation": "本人", "account_type": "社会保障卡",
                "account_no": "6217995610001234567", "start_date": row.day.isoformat()}
    return {"household_size": 4, "monthly_income_per_capita": 380, "main_reason": "因病",
            "has_severe_case": "是", "bank_card_no": "6228480012345678901",
            "application_date": row.day.isoformat()}


# -- building the store ----------------------------------------------------------


def insert_rows(station: Station, model: type[Model], rows: list[dict[str, Any]]) -> None:
    """Insert model rows (their ``__data__``) with one prepared statement.

    Each value goes through its field's ``db_value``, as peewee's own inserts
    do; only peewee's per-value SQL generation (most of the build time with
    ``insert_many``) is skipped.
    """
    if not rows:
        return
    fields = [model._meta.fields[name] for name in rows[0]]
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    marks = ", ".join("?" for _ in fields)
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})'
    station.db.cursor().executemany(
        sql, [tuple(f.db_value(row[f.name]) for f in fields) for row in rows])


def build_store(station: Station, people: list[Person], rows: list[CaseRow]) -> list[str]:
    """Insert the cases through the real models; returns the applicants' row ids.

    Values are sealed exactly as filing seals them (by assigning the model
    attributes); only the row writes are batched: a few thousand rows per
    transaction, one prepared INSERT per table, instead of one save() per row.
    """
    node = station.node.code
    author = station.user
    digest = station.catalogue.digest
    matters = {code: station.catalogue.get(code) for code in (ELDER_MATTER, DIBAO_MATTER)}
    deadlines: dict[tuple[date, int], date] = {}
    with station.db.atomic("IMMEDIATE"):
        for matter in matters.values():
            snapshot_matter(matter, digest)
    last = Event.select(Event.seq, Event.hash).order_by(Event.seq.desc()).first()
    seq, prev_hash = (last.seq, last.hash) if last else (0, outbox.GENESIS)
    applicant_ids: list[str] = []
    for start in range(0, len(rows), BATCH):
        new_people, new_cases, new_events = [], [], []
        new_keys: list[dict[str, Any]] = []
        for row in rows[start : start + BATCH]:
            matter = matters[row.matter_code]
            who = people[row.person]
            if row.person == len(applicant_ids):  # first case of this resident
                person = Applicant(
                    id=new_id(),
                    id_index=station.index.index("id_number", who.id_number),
                    created_at=row.filed_at,
                )
                person.id_number = who.id_number
                person.birth_date = who.birth_date
                person.sex = who.sex
                person.name = who.name
                person.phone = who.phone
                person.phone_index = station.index.index("phone", who.phone)
                person.address = who.address
                person.search_version = search_keys.VERSION
                new_people.append(person.__data__)
                new_keys += [{"key": key, "applicant": person.id} for key in search_keys.keys_for(
                    station.index, who.name, who.id_number, who.phone, who.birth_date)]
                applicant_ids.append(person.id)
            key = (row.day, matter.promised_days)
            if key not in deadlines:
                deadlines[key] = station.calendar.add_workdays(row.day, matter.promised_days)
            form = form_of(row)
            case = Case(
                id=new_id(),
                case_no=row.case_no,
                node_code=node,
                matter_code=row.matter_code,
                matter_digest=digest,
                applicant=applicant_ids[row.person],
                status=FILED,
                filed_at=row.filed_at,
                deadline=deadlines[key],
                promised_days=matter.promised_days,
                agent=author,
                notice_issued=False,
                updated_at=row.filed_at,
            )
            case.form = form
            new_cases.append(case.__data__)
            seq += 1
            event = Event(
                id=new_id(),
                seq=seq,
                node_code=node,
                case_no=row.case_no,
                matter_code=row.matter_code,
                type=outbox.CASE_FILED,
                at=row.filed_at,
                author=author,
                prev_hash=prev_hash,
            )
            event.payload = {
                "applicant": {"name": who.name, "id_number": who.id_number,
                              "phone": who.phone, "address": who.address},
                "form": form,
                "materials": [],
                "status": FILED,
                "deadline": deadlines[key].isoformat(),
            }
            event.hash = prev_hash = outbox.event_hash(event)
            new_events.append(event.__data__)
        with station.db.atomic("IMMEDIATE"):
            for model, data in ((Applicant, new_people), (SearchKey, new_keys), (Case, new_cases),
                                (Event, new_events)):
                insert_rows(station, model, data)
        progress(f"  {min(start + BATCH, len(rows)):,} cases")
    return applicant_ids


PEER_SCHEMA = """
CREATE TABLE applicants (id TEXT PRIMARY KEY, name TEXT, id_number TEXT, birth_date TEXT,
                         sex TEXT, phone TEXT, address TEXT, created_at TEXT);
CREATE INDEX applicants_id_number ON applicants (id_number);
CREATE TABLE cases (id TEXT PRIMARY KEY, case_no TEXT UNIQUE, matter_code TEXT,
                    applicant_id TEXT REFERENCES applicants (id), status TEXT, filed_at TEXT,
                    deadline TEXT);
CREATE INDEX cases_applicant ON cases (applicant_id);
CREATE INDEX cases_filed_at ON cases (filed_at);
"""

PEER_FIND = """
SELECT c.case_no, c.matter_code, c.status, c.filed_at, c.deadline, a.name
FROM cases c JOIN applicants a ON a.id = c.applicant_id
WHERE a.id_number = ? ORDER BY c.filed_at DESC
"""


def build_peer(path: Path, people: list[Person], rows: list[CaseRow]) -> sqlite3.Connection:
    """The same residents and cases in plain SQLite: clear, indexed ID numbers."""
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = wal", "synchronous = full", "foreign_keys = 1"):
        db.execute(f"PRAGMA {pragma}")
    db.executescript(PEER_SCHEMA)
    ids = [f"p{k}" for k in range(len(people))]
    for start in range(0, len(rows), BATCH):
        db.execute("BEGIN IMMEDIATE")
        part = rows[start : start + BATCH]
        db.executemany(  # case i < len(people) brings resident i (see make_cases)
            "INSERT INTO applicants VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(ids[r.person], p.name, p.id_number, p.birth_date, p.sex, p.phone, p.address,
              r.filed_at)
             for g, r in enumerate(part, start) if g < len(people) for p in (people[g],)],
        )
        db.executemany(
            "INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(f"c{start + i}", r.case_no, r.matter_code, ids[r.person], FILED, r.filed_at, None)
             for i, r in enumerate(part)],
        )
        db.execute("COMMIT")
    return db


def peer_find(db: sqlite3.Connection, id_number: str) -> list[dict[str, Any]]:
    return [
        {"case_no": no, "matter_code": code, "status": status, "filed_at": at,
         "deadline": deadline, "applicant": mask_name(name)}
        for no, code, status, at, deadline, name in db.execute(PEER_FIND, (id_number,))
    ]


def record_access(station: Station) -> None:
    """What find_by_id_number writes after reading: one access event, committed."""
    with station.db.atomic("IMMEDIATE"):
        outbox.append(station.node.code, station.user, outbox.ACCESS_SEARCHED,
                      {"by": "id_number", "count": 1})


def desk_searches(station: Station, people: list[Person], rows: list[CaseRow],
                  targets: list[int]) -> tuple[Timing, Timing, int, int]:
    """The village desk's searches for the same residents as the whole-ID find: the last 4
    digits of the ID with the birth year, and the two characters of the given name; each
    result checked against the generated data (all cases lie within the last year)."""
    cases_of: dict[int, set[str]] = {}
    for row in rows:
        cases_of.setdefault(row.person, set()).add(row.case_no)

    def expected(match: Callable[[Person], bool]) -> set[str]:
        return {no for j, who in enumerate(people) if match(who) for no in cases_of[j]}

    by_tail, by_name, tail_found, name_found = Timing(), Timing(), 0, 0
    search.search(station, f"{people[targets[0]].id_number[-4:]} 1950")  # warm-up
    for k in targets:
        who = people[k]
        tail, year = who.id_number[-4:], who.birth_date[:4]
        seconds, result = timed(partial(search.search, station, f"{tail} {year}"))
        by_tail.samples.append(seconds)
        want = expected(lambda p, t=tail, y=year: p.birth_date[:4] == y
                        and (p.id_number[-4:] == t or p.phone[-4:] == t))
        if {i.case_no for i in result.items} != want:
            raise RuntimeError(f"last-4 + birth year search wrong for resident {k}")
        tail_found += len(result.items)
        part = who.name[1:3] if len(who.name) == 3 else who.name[:2]
        seconds, result = timed(partial(search.search, station, part))
        by_name.samples.append(seconds)
        want = expected(lambda p, q=part: q in p.name)
        if not result.capped and {i.case_no for i in result.items} != want:
            raise RuntimeError(f"part-of-name search wrong for resident {k} ({part})")
        name_found += len(result.items)
    return by_tail, by_name, tail_found, name_found


# -- filing ---------------------------------------------------------------------


def page_names(pages: int) -> list[str]:
    """Spread the pages over the matter's materials: form and card one page each."""
    if pages < len(ELDER_MATERIALS):
        return list(ELDER_MATERIALS[:pages])
    middle = pages - 2
    return ([ELDER_MATERIALS[0]] + [ELDER_MATERIALS[1]] * ((middle + 1) // 2)
            + [ELDER_MATERIALS[2]] * (middle // 2) + [ELDER_MATERIALS[3]])


def fresh_scans(folder: Path, names: list[str], size: int) -> list[MaterialFile]:
    """New incompressible pages, written and fsynced before any timing starts."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    files = []
    for i, name in enumerate(names):
        path = folder / f"page-{i + 1:02d}.jpg"
        with path.open("wb") as out:
            out.write(JPEG_MAGIC + os.urandom(size - len(JPEG_MAGIC)))
            out.flush()
            os.fsync(out.fileno())
        files.append(MaterialFile(name, path))
    fsync_path(folder)
    return files


def plain_copy(files: list[MaterialFile], folder: Path) -> None:
    """The peer: copy each file, fsync it, then fsync the folder."""
    for item in files:
        target = folder / item.path.name
        shutil.copyfile(item.path, target)
        fsync_path(target)
    fsync_path(folder)


@dataclass
class FilingFigures:
    filing: Timing = field(default_factory=Timing)
    copy: Timing = field(default_factory=Timing)
    receipt: Timing = field(default_factory=Timing)
    statuses: set[str] = field(default_factory=set)


def bench_filing(station: Station, work: Path, pages: int, size: int,
                 rounds: int) -> FilingFigures:
    names = page_names(pages)
    figures = FilingFigures()
    copies = work / "copies"
    for number in range(rounds + 1):  # round 0 warms up and is not counted
        files = fresh_scans(work / "scans", names, size)
        if copies.exists():
            shutil.rmtree(copies)
        copies.mkdir()
        fsync_path(work)

        def file_it(files: list[MaterialFile] = files) -> Any:
            return file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM, files,
                             print_documents=False)

        def copy_it(files: list[MaterialFile] = files) -> None:
            plain_copy(files, copies)

        if number % 2:  # alternate which side goes first
            filing_time, result = timed(file_it)
            copy_time, _ = timed(copy_it)
        else:
            copy_time, _ = timed(copy_it)
            filing_time, result = timed(file_it)
        receipt_time, _ = timed(partial(print_case_documents, station, result.case_no))
        figures.statuses.add(result.status)
        if number:
            figures.filing.samples.append(filing_time)
            figures.copy.samples.append(copy_time)
            figures.receipt.samples.append(receipt_time)
        progress(f"  round {number}{' (warm-up)' if not number else ''}: filing "
                 f"{ms(filing_time)}, copy {ms(copy_time)}, receipt {ms(receipt_time)}")
    shutil.rmtree(work / "scans", ignore_errors=True)
    shutil.rmtree(copies, ignore_errors=True)
    return figures


# -- output ----------------------------------------------------------------------


def line(label: str, value: Timing, against: str, ratio: float | None, note: str = "") -> None:
    ratio_text = f"{ratio:.3f}" if ratio is not None else "–"
    print(f"  {label:<44} {ms(value.median):>10}  ({value.spread():>19})   "
          f"{against:<28} ratio {ratio_text:>6}  {note}".rstrip())


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def machine(library: str = f"SQLite {sqlite3.sqlite_version}") -> str:
    """CPUs, Python, the library that matters to the figures, the OS."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for text in cpuinfo.read_text(errors="replace").splitlines():
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    return (f"{cpus} CPU(s) {model}".rstrip() + f"; Python {platform.python_version()}; "
            f"{library}; {platform.system()} {platform.release()}")


def filesystem_of(path: Path) -> str:
    mounts = Path("/proc/mounts")
    if not mounts.exists():
        return "?"
    best, kind = "", "?"
    resolved = str(path.resolve())
    for entry in mounts.read_text().splitlines():
        parts = entry.split()
        if len(parts) >= 3 and (resolved == parts[1] or resolved.startswith(
                parts[1].rstrip("/") + "/")) and len(parts[1]) > len(best):
            best, kind = parts[1], parts[2]
    return f"{kind} (mounted at {best})"


# -- main --------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Bianmin Station store benchmark.")
    parser.add_argument("--cases", type=int, default=100_000, help="cases in the store")
    parser.add_argument("--pages", type=int, default=10, help="pages filed per case")
    parser.add_argument("--page-mb", type=float, default=3.0, help="MiB per page")
    parser.add_argument("--rounds", type=int, default=9, help="filing rounds (≥ 5)")
    parser.add_argument("--runs", type=int, default=7, help="runs per read figure (≥ 7)")
    parser.add_argument("--workdir", type=Path, help="where to work (kept); default: a temp "
                        "folder, removed at the end")
    parser.add_argument("--stress", action="store_true",
                        help=f"run stress-ng --cpu {STRESS_CPU} beside the measurement")
    return parser.parse_args(argv)


def start_stress() -> subprocess.Popen[bytes] | None:
    """``stress-ng --cpu 2`` in the background; None (with a message) when it is missing."""
    program = shutil.which("stress-ng")
    if program is None:
        print("--stress needs stress-ng, which is not installed; install it with "
              "`apt-get install stress-ng` (as root or through sudo)", file=sys.stderr)
        return None
    return subprocess.Popen([program, "--cpu", str(STRESS_CPU), "--timeout", "0", "--quiet"])


def stop_stress(stress: subprocess.Popen[bytes]) -> None:
    stress.terminate()
    try:
        stress.wait(timeout=30)
    except subprocess.TimeoutExpired:
        stress.kill()
        stress.wait()


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def work_folder(workdir: Path | None, prefix: str) -> Path | None:
    """The given --workdir (must be empty; kept), or a fresh temp folder.
    None when --workdir is not empty (the caller exits with 2)."""
    if workdir is None:
        return Path(tempfile.mkdtemp(prefix=prefix))
    work = workdir.resolve()
    if work.exists() and any(work.iterdir()):
        print(f"--workdir {work} is not empty", file=sys.stderr)
        return None
    work.mkdir(parents=True, exist_ok=True)
    return work


def run_in_work_folder(workdir: Path | None, prefix: str, job: Callable[[Path], object]) -> int:
    """Run ``job`` in ``work_folder(workdir, prefix)`` and remove the folder after it
    unless it was given; the exit status (2 when --workdir is not empty)."""
    work = work_folder(workdir, prefix)
    if work is None:
        return 2
    try:
        job(work)
    finally:
        if workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stress = None
    if args.stress:
        stress = start_stress()
        if stress is None:
            return 2
    work = work_folder(args.workdir, "bianmin-bench-")
    if work is None:
        if stress is not None:
            stop_stress(stress)
        return 2
    try:
        run(args, work)
    finally:
        if stress is not None:
            stop_stress(stress)
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def run(args: argparse.Namespace, work: Path) -> None:
    data, documents = work / "data", work / "documents"
    weak = os.environ.get(WEAK_KDF_VARIABLE) == "1"
    started = time.perf_counter()

    progress("creating the station")
    init_time, (station, _sheet) = timed(
        lambda: Station.init(data, *NODE, AGENT, PASSPHRASE, documents))
    station.close()

    progress(f"generating {args.cases:,} cases")
    gen_time, people = timed(lambda: residents_of(args.cases))
    today = date.today()
    rows = make_cases(args.cases, len(people), NODE[1], today - timedelta(days=1))

    station = Station.open(data, AGENT, PASSPHRASE, documents)
    progress("building the encrypted store")
    build_time, _ids = timed(lambda: build_store(station, people, rows))
    station.close()
    progress("building the plain SQLite peer")
    peer_time, peer = timed(lambda: build_peer(work / "peer.db", people, rows))

    # Read from a freshly opened station, as the list screen would after log-in.
    unlock_time, station = timed(lambda: Station.open(data, AGENT, PASSPHRASE, documents))
    progress("reading")
    first_list, first_page = timed(lambda: register.list_cases(station, limit=50))
    total = first_page.total
    list_first, list_deep, list_all = Timing(), Timing(), Timing()
    deep_offset = min(50_000, max(total - 50, 0))
    for _ in range(args.runs):
        list_first.samples.append(timed(lambda: register.list_cases(station, limit=50))[0])
        list_deep.samples.append(
            timed(lambda: register.list_cases(station, limit=50, offset=deep_offset))[0])
    for _ in range(max(3, args.runs)):
        list_all.samples.append(timed(lambda: register.list_cases(station, limit=total))[0])

    targets = random.Random(7).sample(range(len(people)), k=max(args.runs, 7))
    find, find_peer, access = Timing(), Timing(), Timing()
    register.find_by_id_number(station, people[targets[0]].id_number)  # warm-up
    peer_find(peer, people[targets[0]].id_number)
    found = 0
    for k in targets:
        number = people[k].id_number
        seconds, items = timed(partial(register.find_by_id_number, station, number))
        find.samples.append(seconds)
        found += len(items)
        seconds, plain = timed(partial(peer_find, peer, number))
        find_peer.samples.append(seconds)
        if [i.case_no for i in items] != [p["case_no"] for p in plain]:
            raise RuntimeError(f"product and peer disagree for resident {k}")
        access.samples.append(timed(lambda: record_access(station))[0])
    peer.close()
    by_tail, by_name, tail_found, name_found = desk_searches(station, people, rows, targets)

    progress(f"filing {args.rounds} rounds of {args.pages} × {args.page_mb:g} MiB")
    size = int(args.page_mb * 1024 * 1024)
    load_before = load_average()
    filing = bench_filing(station, work, args.pages, size, args.rounds)
    load_after = load_average()
    station.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    station.close()
    elapsed = time.perf_counter() - started

    db_size = sum(f.stat().st_size for f in data.glob("station.db*"))
    materials = folder_size(data / "materials")
    print()
    print(f"Bianmin Station store benchmark, {datetime.now():%Y-%m-%d %H:%M}")
    print(f"  machine: {machine()}")
    print(f"  workdir: {work} on {filesystem_of(work)}")
    print(f"  KDF: {'WEAK test KDF (STATION_TEST_WEAK_KDF=1)' if weak else 'product scrypt'}; "
          f"init {ms(init_time)}, unlock {ms(unlock_time)}")
    print(f"  medians (min–max) of {args.rounds} filing rounds / {args.runs} read runs; "
          "ratio = figure / peer or limit")
    print(f"  load average (1, 5, 15 min) before / after filing: {load_before} / {load_after}; "
          + (f"stress-ng --cpu {STRESS_CPU} running beside" if args.stress
             else "no stress-ng (other processes of the machine may still run)"))
    print()
    pages_label = f"{args.pages} pages × {args.page_mb:g} MiB"
    print(f"1. Filing a case of {pages_label} into the store below "
          f"(status {', '.join(sorted(filing.statuses))})")
    copy_ms = ms(filing.copy.median)
    target = TARGET_FILING_RATIO_STRESSED if args.stress else TARGET_FILING_RATIO
    line("file_case (check, encrypt, store, commit)", filing.filing,
         f"copy+fsync {copy_ms}", filing.filing.median / filing.copy.median,
         f"target ≤ {target}" + (" (under stress)" if args.stress else " (quiet machine)"))
    line("plain copy + fsync of the same files", filing.copy, "(the peer)", None)
    line("+ printing the receipt PDF", filing.receipt, f"copy+fsync {copy_ms}",
         filing.receipt.median / filing.copy.median, "not in the target")
    print()
    print(f"2. A store of {total:,} cases ({len(people):,} residents)")
    print(f"  build: {ms(build_time)} encrypted ({args.cases / build_time:,.0f} cases/s), "
          f"plain peer {ms(peer_time)}, data generation {ms(gen_time)}")
    print(f"  data directory: station.db {db_size / 2**20:,.1f} MiB "
          f"({db_size / max(total, 1) / 1024:.1f} KiB per case, with its resident and event), "
          f"materials {materials / 2**20:,.1f} MiB (only the pages filed in part 1)")
    print(f"  first list_cases after opening: {ms(first_list)}")
    line("case list (first page of 50)", list_first, f"limit {LIMIT_LIST_MS:.0f} ms",
         list_first.median * 1000 / LIMIT_LIST_MS)
    line(f"case list (page at offset {deep_offset:,})", list_deep,
         f"limit {LIMIT_LIST_MS:.0f} ms", list_deep.median * 1000 / LIMIT_LIST_MS)
    line(f"case list, all {total:,} names (no paging)", list_all,
         f"limit {LIMIT_LIST_MS:.0f} ms", list_all.median * 1000 / LIMIT_LIST_MS, "extra")
    line("find by ID number (blind index)", find, f"limit {LIMIT_FIND_MS:.0f} ms",
         find.median * 1000 / LIMIT_FIND_MS, f"{found / len(targets):.1f} cases/resident")
    line("find by ID number (blind index)", find, f"plain SQLite {ms(find_peer.median)}",
         find.median / find_peer.median)
    line("  of which: the access event's commit", access, f"find {ms(find.median)}",
         access.median / find.median, "one fsynced write")
    line("search: ID/phone last 4 + birth year", by_tail, f"limit {LIMIT_FIND_MS:.0f} ms",
         by_tail.median * 1000 / LIMIT_FIND_MS, f"{tail_found / len(targets):.1f} cases/search")
    line("search: ID/phone last 4 + birth year", by_tail, f"find by ID {ms(find.median)}",
         by_tail.median / find.median)
    line("search: part of a name (2 characters)", by_name, f"limit {LIMIT_FIND_MS:.0f} ms",
         by_name.median * 1000 / LIMIT_FIND_MS, f"{name_found / len(targets):.1f} cases/search")
    line("search: part of a name (2 characters)", by_name, f"find by ID {ms(find.median)}",
         by_name.median / find.median)
    print()
    print(f"  whole benchmark: {ms(elapsed)}")
    ratio = filing.filing.median / filing.copy.median
    print(f"filing / copy+fsync: {ratio:.3f} (target ≤ {target}"
          f"{', stress-ng --cpu 2 beside' if args.stress else ''}; load average {load_after})")


if __name__ == "__main__":
    sys.exit(main())
