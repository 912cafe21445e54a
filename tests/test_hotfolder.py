"""The scan folder hands on each new page once, and only when it is complete."""

from __future__ import annotations

import io
import os
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from station.errors import ScanFolderUnavailable
from station.filing.hotfolder import HotFolder

SETTLE = 0.2
WAIT = 5.0  # generous for a loaded CI machine; a passing test never waits this long


def jpeg_bytes(size: tuple[int, int] = (400, 300)) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 30), "red").save(buffer, "PNG")
    return buffer.getvalue()


class Pages:
    """Records what the hot folder hands on, from its thread."""

    def __init__(self) -> None:
        self.queue: queue.Queue[tuple[Path, int, str]] = queue.Queue()

    def __call__(self, path: Path) -> None:
        self.queue.put((path, path.stat().st_size, threading.current_thread().name))

    def next(self, timeout: float = WAIT) -> tuple[Path, int, str]:
        return self.queue.get(timeout=timeout)

    def expect_nothing(self, within: float) -> None:
        with pytest.raises(queue.Empty):
            self.queue.get(timeout=within)


@pytest.fixture
def pages() -> Pages:
    return Pages()


@pytest.fixture
def scans(tmp_path: Path) -> Path:
    return tmp_path / "scans"


@pytest.fixture
def watching(scans: Path, pages: Pages) -> Iterator[HotFolder]:
    with HotFolder(scans, pages, settle_seconds=SETTLE) as hot_folder:
        yield hot_folder


def write_slowly(path: Path, data: bytes, chunks: int, pause: float, stop: threading.Event) -> None:
    """Like a scanner: several bursts with pauses shorter than the settle time."""
    step = -(-len(data) // chunks)
    with path.open("wb") as handle:
        for start in range(0, len(data), step):
            handle.write(data[start:start + step])
            handle.flush()
            os.fsync(handle.fileno())
            # A pause, not a sleep: the hot folder is what is being tested.
            stop.wait(pause)


def test_the_folder_is_created(scans: Path, watching: HotFolder) -> None:
    assert scans.is_dir()


def test_a_slowly_written_page_is_handed_on_once_when_complete(
    scans: Path, pages: Pages
) -> None:
    # Writing takes longer than the settle time, each pause is well under it.
    settle, chunks, pause = 0.3, 10, 0.05
    data = jpeg_bytes()
    never = threading.Event()
    writer = threading.Thread(
        target=write_slowly, args=(scans / "scan0001.jpg", data, chunks, pause, never)
    )
    with HotFolder(scans, pages, settle_seconds=settle):
        writer.start()
        path, size, thread = pages.next()
        writer.join(WAIT)
        assert not writer.is_alive()
        assert path == scans / "scan0001.jpg"
        assert size == len(data)
        assert thread == "hotfolder-settle"
        # More writes to a page already handed on do not hand it on again.
        with path.open("ab") as handle:
            handle.write(b"\0")
        pages.expect_nothing(within=settle * 2)


def test_pages_come_in_the_order_they_were_completed(
    scans: Path, pages: Pages, watching: HotFolder
) -> None:
    first_done = threading.Event()
    never = threading.Event()

    def slow() -> None:
        first_done.wait(WAIT)
        write_slowly(scans / "a-slow.jpg", jpeg_bytes(), 4, SETTLE / 3, never)

    writer = threading.Thread(target=slow)
    writer.start()
    (scans / "b-quick.png").write_bytes(png_bytes())
    first_done.set()
    assert pages.next()[0].name == "b-quick.png"
    assert pages.next()[0].name == "a-slow.jpg"
    writer.join(WAIT)


@pytest.mark.parametrize(
    "name", [".scan.jpg", "~scan.jpg", "scan.jpg.tmp", "scan.JPG.part", "scan.txt", "scan.jpg.TMP"]
)
def test_temporary_and_foreign_names_are_ignored(
    scans: Path, pages: Pages, watching: HotFolder, name: str
) -> None:
    (scans / name).write_bytes(jpeg_bytes())
    (scans / "marker.png").write_bytes(png_bytes())
    assert pages.next()[0].name == "marker.png"
    pages.expect_nothing(within=SETTLE * 2)


def test_files_already_there_are_left_alone(scans: Path, pages: Pages) -> None:
    scans.mkdir()
    (scans / "old.jpg").write_bytes(jpeg_bytes())
    with HotFolder(scans, pages, settle_seconds=SETTLE):
        # Touching an old page does not make it new.
        with (scans / "old.jpg").open("ab") as handle:
            handle.write(b"\0")
        (scans / "new.png").write_bytes(png_bytes())
        assert pages.next()[0].name == "new.png"
        pages.expect_nothing(within=SETTLE * 2)


def test_a_page_renamed_from_a_temporary_name_is_handed_on(
    scans: Path, pages: Pages, watching: HotFolder
) -> None:
    temporary = scans / "scan0002.jpg.part"
    temporary.write_bytes(jpeg_bytes())
    os.replace(temporary, scans / "scan0002.jpg")
    path, size, _ = pages.next()
    assert path == scans / "scan0002.jpg"
    assert size == path.stat().st_size
    pages.expect_nothing(within=SETTLE * 2)


def test_a_page_moved_in_from_elsewhere_is_handed_on(
    tmp_path: Path, scans: Path, pages: Pages, watching: HotFolder
) -> None:
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(png_bytes())
    os.replace(outside, scans / "moved.png")
    assert pages.next()[0] == scans / "moved.png"


def test_renaming_a_page_already_handed_on_does_not_hand_it_on_again(
    scans: Path, pages: Pages, watching: HotFolder
) -> None:
    (scans / "one.png").write_bytes(png_bytes())
    assert pages.next()[0].name == "one.png"
    os.replace(scans / "one.png", scans / "renamed.png")
    (scans / "marker.jpg").write_bytes(jpeg_bytes())
    assert pages.next()[0].name == "marker.jpg"
    pages.expect_nothing(within=SETTLE * 2)


def test_a_name_used_again_after_deletion_is_a_new_page(
    scans: Path, pages: Pages, watching: HotFolder
) -> None:
    page = scans / "scan.png"
    page.write_bytes(png_bytes())
    assert pages.next()[0] == page
    page.unlink()
    page.write_bytes(png_bytes())
    assert pages.next()[0] == page


def test_content_that_is_not_an_image_is_not_handed_on(
    scans: Path, pages: Pages, watching: HotFolder
) -> None:
    (scans / "fake.jpg").write_bytes(b"this is not a picture at all" * 100)
    (scans / "empty.pdf").write_bytes(b"")
    (scans / "marker.png").write_bytes(png_bytes())
    assert pages.next()[0].name == "marker.png"
    pages.expect_nothing(within=SETTLE * 2)


def test_a_rejected_file_written_again_with_real_content_is_handed_on(
    scans: Path, pages: Pages, watching: HotFolder
) -> None:
    page = scans / "retry.jpg"
    page.write_bytes(b"garbage" * 50)
    (scans / "marker.png").write_bytes(png_bytes())
    assert pages.next()[0].name == "marker.png"
    data = jpeg_bytes()
    page.write_bytes(data)
    path, size, _ = pages.next()
    assert (path, size) == (page, len(data))


def test_folders_are_not_pages(scans: Path, pages: Pages, watching: HotFolder) -> None:
    (scans / "folder.jpg").mkdir()
    (scans / "marker.png").write_bytes(png_bytes())
    assert pages.next()[0].name == "marker.png"
    pages.expect_nothing(within=SETTLE * 2)


def test_a_failing_receiver_does_not_stop_the_watching(scans: Path) -> None:
    received: queue.Queue[Path] = queue.Queue()

    def on_page(path: Path) -> None:
        received.put(path)
        if path.name == "bad.png":
            raise RuntimeError("the receiver failed")

    with HotFolder(scans, on_page, settle_seconds=SETTLE):
        (scans / "bad.png").write_bytes(png_bytes())
        assert received.get(timeout=WAIT).name == "bad.png"
        (scans / "good.png").write_bytes(png_bytes())
        assert received.get(timeout=WAIT).name == "good.png"


def test_polling_finds_pages_too(scans: Path, pages: Pages) -> None:
    with HotFolder(scans, pages, settle_seconds=SETTLE, polling=True):
        (scans / "polled.png").write_bytes(png_bytes())
        assert pages.next()[0].name == "polled.png"


def test_stop_is_idempotent_and_ends_the_threads(scans: Path, pages: Pages) -> None:
    before = set(threading.enumerate())
    hot_folder = HotFolder(scans, pages, settle_seconds=SETTLE)
    hot_folder.stop()
    hot_folder.start()
    hot_folder.stop()
    hot_folder.stop()
    assert set(threading.enumerate()) <= before
    (scans / "after.png").write_bytes(png_bytes())
    pages.expect_nothing(within=SETTLE * 2)


def test_starting_twice_is_a_mistake(scans: Path, pages: Pages, watching: HotFolder) -> None:
    with pytest.raises(RuntimeError):
        watching.start()


def test_a_folder_that_cannot_be_made_is_reported(tmp_path: Path, pages: Pages) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    with pytest.raises(ScanFolderUnavailable) as caught:
        HotFolder(blocker / "scans", pages).start()
    assert caught.value.exit_code == 4
