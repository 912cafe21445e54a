"""Child process for the draft kill -9 test: the real app under Xvfb, the wizard
filled part way (draft_fill.py); prints READY once the draft is on disk, then
runs the window's event loop until it is killed."""

from __future__ import annotations

import sys
from pathlib import Path

from draft_fill import fill_partly, log_in


def main(data: str, documents: str, config: str, passphrase: str, scans: str) -> None:
    app = log_in(Path(data), Path(documents), Path(config), passphrase)
    fill_partly(app, Path(scans))
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    app.run()


if __name__ == "__main__":
    main(*sys.argv[1:6])
