"""A station opened for one user: vault unlocked, store open, catalogue loaded.

This is the facade the command line and (later) the desktop UI use; neither
touches peewee models, keys or files directly.
"""

from __future__ import annotations

import logging
import shutil
import threading
from datetime import datetime
from functools import cached_property
from pathlib import Path

from forms.catalogue import Catalogue, load_catalogue
from keys.errors import WrongPassphrase
from keys.vault import Vault
from station import node_keys, outbox, user_keys
from station.clock.calendar import WorkCalendar
from station.errors import AlreadyInitialised, NotInitialised
from station.logs import configure_logging
from station.node import Node, check_node
from station.paths import DataLayout, default_documents_dir, documents_dir_outside
from station.store import open_markers
from station.store.blobs import BlobStore
from station.store.database import StoreDatabase, open_database
from station.store.leftovers import sweep_leftovers, unreferenced
from station.store.models import Setting, User
from station.store.names import backfill_name_index
from station.store.search_keys import backfill_search_keys, keys_pending
from station.throttle import LoginThrottle

log = logging.getLogger("station")

RECOVERY_SHEET_NAME = "{code}-恢复密钥单.pdf"


class Station:
    def __init__(self, layout: DataLayout, vault: Vault, user: str, documents: Path | None) -> None:
        self.layout = layout
        self.vault = vault
        self.user = user
        self.documents = documents_dir_outside(layout.root, documents or default_documents_dir())
        self.db: StoreDatabase = open_database(layout.database, vault.field_cipher())
        self.blobs = BlobStore(
            layout.materials,
            vault.material_keys(),
            vault.key_version,
            vault.subkey("material-address"),
        )
        self.blobs.sweep_temp()
        self.index = vault.blind_indexer()
        backfill_name_index(self.index)
        # Residents filed before schema 9 get their search keys in the background (about
        # 12 s at 80,000 residents): the first login after the upgrade is not held up;
        # searches by a tail or part of a name say they may be incomplete meanwhile.
        self._keys_stop = threading.Event()
        self._keys: threading.Thread | None = None
        if keys_pending():
            self._keys = threading.Thread(target=self._backfill_search_keys,
                                          name="search-keys", daemon=True)
            self._keys.start()
        self.run_marker, sweep_owed = open_markers.begin(layout.root)
        if sweep_owed:
            self.sweep_leftovers()

    # -- opening -----------------------------------------------------------
    @classmethod
    def open(
        cls, data: Path, user: str | None, passphrase: str, documents: Path | None = None
    ) -> Station:
        layout = DataLayout(data)
        if not Vault.exists(layout.vault_dir) or not layout.database.exists():
            raise NotInitialised(path=data)
        configure_logging(layout.logs)
        name = user or first_user(layout)
        throttle = LoginThrottle(data)
        throttle.check(name)
        try:
            vault = Vault.unlock(layout.vault_dir, name, passphrase)
        except WrongPassphrase:
            throttle.failed(name)
            raise
        throttle.succeeded(name)
        station = cls(layout, vault, name, documents)
        station.give_keys_if_missing()
        return station

    @classmethod
    def init(
        cls,
        data: Path,
        tier: str,
        code: str,
        name: str,
        operator: str,
        passphrase: str,
        documents: Path | None = None,
        display_name: str | None = None,
    ) -> tuple[Station, Path]:
        """Create a node: vault, store, first user, recovery sheet.

        Either all of it exists afterwards or none of it: a failure (say, no
        printer font) removes what this call created.
        """
        node = check_node(code, tier, name)
        layout = DataLayout(data)
        if Vault.exists(layout.vault_dir) or layout.database.exists():
            raise AlreadyInitialised(path=data)
        documents = documents_dir_outside(data, documents or default_documents_dir())
        created_root = not data.exists()
        data.mkdir(parents=True, exist_ok=True)
        # The sheet's writer loads reportlab: only setting up a node needs it.
        from station.documents.recovery import RecoverySheetInfo, write_recovery_sheet

        try:
            vault, recovery_key = Vault.create(layout.vault_dir, operator, passphrase)
            sheet = write_recovery_sheet(
                RecoverySheetInfo(
                    node_code=node.code,
                    node_name=node.name,
                    tier=node.tier_label,
                    user=operator,
                    recovery_key=recovery_key,
                    created_at=datetime.now().astimezone(),
                ),
                documents / RECOVERY_SHEET_NAME.format(code=node.code),
            )
            configure_logging(layout.logs)
            station = cls(layout, vault, operator, documents)
            with station.db.atomic("IMMEDIATE"):
                for key, value in (("code", node.code), ("tier", node.tier), ("name", node.name)):
                    Setting.create(key=key, value=value)
                user = User(name=operator, role="admin", created_at=outbox.utc_now())
                user.display_name = (display_name or "").strip() or None
                user.save(force_insert=True)
                user_keys.give_keys(vault, user)
                node_keys.ensure_signing_key()
                outbox.append(node.code, operator, outbox.NODE_INITIALISED, {"tier": node.tier})
        except BaseException:
            _remove_created(layout, created_root)
            raise
        log.info("station initialised: node %s tier %s", node.code, node.tier)
        return station, sheet

    def _backfill_search_keys(self) -> None:
        try:
            done = backfill_search_keys(self.index, stop=self._keys_stop)
            log.info("search keys given to %d residents filed before schema 9", done)
        except Exception:  # the next login goes on from the last whole batch
            log.exception("search keys: backfill stopped")
        finally:
            self.db.close()  # this thread's connection

    def search_keys_ready(self) -> bool:
        """Whether every resident has the search keys a tail or part of a name finds."""
        return self._keys is None or not self._keys.is_alive()

    def wait_search_keys(self, timeout: float | None = None) -> bool:
        """Wait for the background backfill of search keys; whether it is done."""
        if self._keys is not None:
            self._keys.join(timeout)
        return self.search_keys_ready()

    def close(self) -> None:
        self._keys_stop.set()
        if self._keys is not None:
            self._keys.join()  # at most the batch under way
        try:
            self._owe_sweep_for_failed_filings()
        finally:
            self.db.close()
            open_markers.end(self.run_marker)

    def sweep_leftovers(self) -> None:
        """Remove scans an interrupted filing left behind (``station/store/leftovers.py``);
        run at open only when one may have (``station/store/open_markers.py``).
        Housekeeping never keeps the agent out: if it cannot read what refers to the
        scans, it removes nothing, says so in the log, and the next open tries again."""
        log.info("sweeping leftover scans: an earlier session may have left some")
        try:
            swept = sweep_leftovers(self.blobs)
        except Exception as error:
            log.warning("leftover scans not swept: %s", type(error).__name__)
            return
        if swept.removed:
            log.info("removed %d leftover scan file(s) that nothing refers to", swept.removed)
        if swept.young:
            log.info("kept %d recent scan file(s) nothing refers to yet: swept at a later "
                     "open", swept.young)
        else:
            open_markers.paid(self.layout.root)

    def _owe_sweep_for_failed_filings(self) -> None:
        """A filing that failed after storing its scans leaves them unreferenced, even in
        a session that ends cleanly: the next open sweeps them."""
        stored, self.blobs.stored_here = self.blobs.stored_here, set()
        if not stored:
            return
        try:
            left = unreferenced(self.blobs, stored)
        except Exception as error:
            log.warning("scans of this session not checked: %s", type(error).__name__)
            left = stored
        if left:
            open_markers.owe(self.layout.root)

    def give_keys_if_missing(self) -> None:
        """A user from before schema 5 gets a sealing key pair at their next login (the
        passphrase is known only then), so that they can join an office."""
        user = User.get_or_none(User.name == self.user)
        if user is not None and user.sealing_private is None:
            with self.db.atomic("IMMEDIATE"):
                user_keys.give_keys(self.vault, user)

    def __enter__(self) -> Station:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what the station knows ----------------------------------------------
    @cached_property
    def node(self) -> Node:
        values = {s.key: s.value for s in Setting.select()}
        return Node(values["code"], values["tier"], values["name"])

    def display_name(self, user: str) -> str:
        """The name printed on documents: the person's name, else the login."""
        record = User.get_or_none(User.name == user)
        return (record.display_name if record else None) or user

    @cached_property
    def catalogue(self) -> Catalogue:
        published = self.layout.catalogue
        if published.is_dir() and any(published.glob("*.toml")):
            return load_catalogue(published)
        return load_catalogue()

    @cached_property
    def calendar(self) -> WorkCalendar:
        path = self.layout.calendar
        return WorkCalendar.from_file(path if path.exists() else None)


def first_user(layout: DataLayout) -> str:
    """The user ``init`` created: the default when --user is not given."""
    vault_users = Vault.users_in(layout.vault_dir)
    return vault_users[0]


def _remove_created(layout: DataLayout, created_root: bool) -> None:
    if created_root:
        shutil.rmtree(layout.root, ignore_errors=True)
        return
    for path in (layout.database, layout.root / "station.db-wal", layout.root / "station.db-shm"):
        path.unlink(missing_ok=True)
    (layout.vault_dir / "vault.json").unlink(missing_ok=True)
    for folder in (layout.materials, layout.root / "tmp", layout.logs,
                   layout.root / open_markers.RUN_DIR):
        shutil.rmtree(folder, ignore_errors=True)
