"""Child process for the kill -9 test: files cases until it is killed.

Prints each case number only after ``file_case`` has returned (the moment
the agent would hand the resident a receipt).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from filing_samples import APPLICANT, ELDER_FORM, ELDER_MATTER, ELDER_REQUIRED

from station.app import Station
from station.filing.new_case import MaterialFile, file_case


def main(data: str, documents: str, passphrase: str, scans: str) -> None:
    station = Station.open(Path(data), None, passphrase, Path(documents))
    round_ = 0
    while True:
        round_ += 1
        files = []
        for i, name in enumerate(ELDER_REQUIRED):
            path = Path(scans) / f"{os.getpid()}-{round_}-{i}.jpg"
            path.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(400_000))
            files.append(MaterialFile(name, path))
        result = file_case(station, ELDER_MATTER, APPLICANT, ELDER_FORM, files,
                           print_documents=round_ % 2 == 0)
        sys.stdout.write(result.case_no + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(*sys.argv[1:5])
