"""Saving the draft as the agent goes, never on the Tk thread.

A step's 下一步, each imported scan and each page tool save at once; typing saves
``DEBOUNCE_MS`` after the last keystroke (a Tk timer, which costs the window
nothing).  The saving itself — sealing and writing the row — runs on the worker,
from a snapshot taken on the Tk thread, so a ``kill -9`` loses at most the field
being typed.  The draft's id is chosen here, before the first save is queued, so
saves waiting on the worker all write the same row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from station.filing.drafts import save_draft
from station.ui.context import AppContext
from station.ui.wizard.draft import Draft

DEBOUNCE_MS = 600


class AutoSaver:
    def __init__(self, app: AppContext, draft: Callable[[], Draft],
                 collect: Callable[[], None]) -> None:
        self.app = app
        self._draft = draft
        self._collect = collect
        self._timer: str | None = None
        self.paused = False  # while filing, and after: the draft is the case's now
        self.requested = 0  # saves queued on the worker
        self.saved = 0  # saves the worker finished (tests wait for requested == saved)

    def changed(self) -> None:
        """A keystroke or a tick: save once typing pauses."""
        if self.paused:
            return
        self.cancel()
        self._timer = self.app.root.after(DEBOUNCE_MS, self.save)

    def cancel(self) -> None:
        if self._timer is not None:
            self.app.root.after_cancel(self._timer)
            self._timer = None

    def save(self, on_saved: Callable[[], None] | None = None) -> None:
        """Save now (what the step shows, too); ``on_saved`` once it is written."""
        self.cancel()
        draft = self._draft()
        if not self.paused:
            self._collect()
        if self.paused or (draft.id is None and draft.is_empty()):
            if on_saved is not None:
                on_saved()
            return
        if draft.id is None:
            draft.id = uuid.uuid4().hex
        station, draft_id, content = self.app.opened, draft.id, draft.to_content()
        self.requested += 1

        def done(_id: str) -> None:
            self.saved += 1
            if on_saved is not None:
                on_saved()

        self.app.dispatcher.submit(lambda: save_draft(station, draft_id, content),
                                   on_done=done)

    @property
    def idle(self) -> bool:
        """Nothing waiting: every change so far is on disk."""
        return self._timer is None and self.saved == self.requested
