"""The frozen program's entry point (PyInstaller): ``station`` as installed by the .deb."""

import sys

from station.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
