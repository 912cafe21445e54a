"""What every wizard step is: a frame with a title, told when it is shown and left."""

from __future__ import annotations

import tkinter as tk
from typing import TYPE_CHECKING

import ttkbootstrap as ttk

if TYPE_CHECKING:
    from station.ui.wizard.screen import NewCaseScreen


class StepFrame(ttk.Frame):
    title = ""

    def __init__(self, parent: tk.Misc, wizard: NewCaseScreen) -> None:
        super().__init__(parent)
        self.wizard = wizard

    def enter(self) -> None:
        """The step is shown: put the cursor where typing starts."""

    def leave(self) -> bool:
        """Save what was entered into the draft; False keeps the agent here."""
        return True
