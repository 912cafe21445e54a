"""Entry point of ``station.exe``: the ``station`` console command (pyproject's script)."""

import sys

from station.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
