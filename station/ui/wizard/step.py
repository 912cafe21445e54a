"""What every wizard step is: a frame with a title, told when it is shown and left.

Steps see the wizard that holds them through ``Wizard``, so imports run one way:
the wizard's screen → its steps → this module.
"""

from __future__ import annotations

import tkinter as tk
from pathlib import Path
from typing import Protocol

import ttkbootstrap as ttk

from station.filing.new_case import FilingResult
from station.ui.context import AppContext
from station.ui.wizard.autosave import AutoSaver
from station.ui.wizard.draft import Draft


class Wizard(Protocol):
    """The new-case wizard as its steps use it."""

    app: AppContext
    draft: Draft  # what the agent entered so far
    working: bool  # filing runs on the worker: no going back or forth
    scan_folder: Path
    saver: AutoSaver  # keeps the draft on disk as the agent goes

    def next(self) -> None:
        """Leave this step for the next one (if the step agrees)."""

    def finished(self, result: FilingResult) -> None:
        """The case is filed: show the receipt and start again."""

    def changed(self) -> None:
        """Something was typed or ticked: the draft is saved once typing pauses."""


class StepFrame(ttk.Frame):
    title = ""

    def __init__(self, parent: tk.Misc, wizard: Wizard) -> None:
        super().__init__(parent)
        self.wizard = wizard

    def enter(self) -> None:
        """The step is shown: put the cursor where typing starts."""

    def leave(self) -> bool:
        """Save what was entered into the draft; False keeps the agent here."""
        return True

    def taking_in(self) -> bool:
        """Still taking something in (files being sealed): no going back or forth."""
        return False

    def collect(self) -> None:
        """Put what is shown into the draft as it is, unchecked (to keep it)."""

    def watch(self, *widgets: tk.Misc) -> None:
        """Typing or choosing in these widgets changes the draft."""
        for widget in widgets:
            for sequence in ("<KeyRelease>", "<<ComboboxSelected>>"):
                widget.bind(sequence, lambda _e: self.wizard.changed(), add="+")
