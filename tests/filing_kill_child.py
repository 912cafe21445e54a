"""Child process for the kill -9 test of the parallel page store: saves a draft
with one scan, then files it with three more pages; the first fsync of a page's
temp file prints SYNCING and blocks, so the parent kills the child while the
pages are written (encrypted) but none is in place and nothing is committed.

Prints ``DRAFT <id>`` once the draft is saved.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from filing_samples import ELDER_FORM, ELDER_MATTER, ELDER_REQUIRED

from station.app import Station
from station.demo.samples import draw_scan
from station.filing.drafts import file_draft, save_draft, store_scan
from station.filing.new_case import MaterialFile
from station.store import blobs
from station.ui.wizard.draft import Draft

PERSON = {"name": "欧阳翠花", "id_number": "450981195003151220", "phone": "13977519876",
          "address": "桂平市示范镇示范村七组 23 号"}
PAGE_SIZE = 2 * 1024 * 1024 + 12_345  # three AEAD chunks a page


def block_on_first_sync() -> None:
    first = threading.Lock()

    def fsync_then_block(path: Path) -> None:
        if first.acquire(blocking=False):
            sys.stdout.write("SYNCING\n")
            sys.stdout.flush()
            threading.Event().wait()  # until SIGKILL

    blobs._fsync_file = fsync_then_block  # type: ignore[assignment]


def main(data: str, documents: str, passphrase: str, scans: str) -> None:
    station = Station.open(Path(data), "agent", passphrase, Path(documents))
    folder = Path(scans)
    draft = Draft()
    draft.choose(station.catalogue.get(ELDER_MATTER))
    draft.applicant = dict(PERSON)
    draft.form = dict(ELDER_FORM)
    first = draw_scan(folder / "draft.jpg", ELDER_REQUIRED[0], [PERSON["name"]], seed=3,
                      size=(300, 400))
    draft.add_page(ELDER_REQUIRED[0], store_scan(station, first))
    draft.id = save_draft(station, None, draft.to_content())
    sys.stdout.write(f"DRAFT {draft.id}\n")
    sys.stdout.flush()
    pages = []
    for name in ELDER_REQUIRED[1:]:
        path = folder / f"{len(pages)}.jpg"  # written by the parent: it knows the bytes
        pages.append(MaterialFile(name, path))
    block_on_first_sync()
    assert draft.matter is not None
    file_draft(station, draft.id, draft.matter.code, draft.applicant, draft.form,
               draft.files() + pages)
    sys.stdout.write("FILED\n")  # never reached: the parent kills while syncing
    sys.stdout.flush()
    os._exit(3)


if __name__ == "__main__":
    main(*sys.argv[1:5])
