"""The README documents every command and option the program has."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

from station.cli.main import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[
        tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*path, name))


def test_every_command_is_in_the_readme() -> None:
    missing = [" ".join(("station", *path)) for path, _ in commands(build_parser())
               if path and "station " + " ".join(path) not in README]
    assert missing == []


def test_every_option_is_in_the_readme() -> None:
    missing = []
    for path, parser in commands(build_parser()):
        for action in parser._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help" and \
                        not re.search(re.escape(flag) + r"(?![\w-])", README):
                    missing.append(f"{' '.join(path)} {flag}")
    assert missing == []


def test_exit_codes_in_the_readme_match_the_program() -> None:
    from station.cli import main

    documented = set(re.findall(r"^\| (\d+) \|", README, flags=re.MULTILINE))
    assert {str(main.EXIT_AUTH), str(main.EXIT_INPUT), str(main.EXIT_NOT_FOUND),
            str(main.EXIT_DAMAGED), str(main.EXIT_DISK), str(main.EXIT_PIPE), "0", "1", "2",
            "130"} == documented
