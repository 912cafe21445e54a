"""Entry point of ``bianmin-station-gui.exe``: ``station gui`` without a console window.

A windowed program has no stdout or stderr (``sys.stderr`` is None), so what the
command would print goes to a buffer; when it ends with an error before or instead
of the window, that text is shown in a message box rather than lost.
"""

import io
import sys

from station.cli.main import main

TITLE = "便民站"  # the product name, the same in every language


def _show(text: str) -> None:
    if sys.platform == "win32":
        import ctypes

        ctypes.windll.user32.MessageBoxW(None, text, TITLE, 0x10)  # MB_ICONERROR
    else:  # the same script, tried on Linux
        print(text, file=sys.__stderr__ or sys.stdout)


if __name__ == "__main__":
    captured = io.StringIO()
    if sys.stdout is None:
        sys.stdout = captured
    if sys.stderr is None:
        sys.stderr = captured
    try:
        code = main(["gui", *sys.argv[1:]])
    except SystemExit as stopped:  # argparse, on a wrong option
        code = stopped.code if isinstance(stopped.code, int) else 1
    if code != 0 and captured.getvalue().strip():
        _show(captured.getvalue().strip())
    sys.exit(code)
