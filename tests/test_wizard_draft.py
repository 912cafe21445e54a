"""The wizard's draft: choosing a matter, and page operations."""

from __future__ import annotations

from pathlib import Path

from forms.catalogue import load_catalogue
from station.ui.wizard.draft import Draft

CATALOGUE = load_catalogue()


def test_pages_can_be_added_moved_removed_and_replaced() -> None:
    draft = Draft()
    draft.choose(CATALOGUE.get("450981-MZ-005"))
    a, b, c = Path("a.jpg"), Path("b.jpg"), Path("c.jpg")
    for page in (a, b, c):
        draft.add_page("居民身份证", page)
    assert draft.move_page("居民身份证", 2, -1) == 1
    assert draft.pages["居民身份证"] == [a, c, b]
    assert draft.move_page("居民身份证", 0, -1) == 0  # already first
    assert draft.remove_page("居民身份证", 1) == c
    draft.replace_page("居民身份证", 0, Path("a-rotated.jpg"))
    assert [f.path.name for f in draft.files()] == ["a-rotated.jpg", "b.jpg"]
    assert "居民身份证" not in draft.missing()
    assert "高龄津贴申请表" in draft.missing()


def test_choosing_another_matter_drops_its_form_and_pages() -> None:
    draft = Draft()
    draft.choose(CATALOGUE.get("450981-MZ-005"))
    draft.applicant = {"name": "黄秀英"}
    draft.form = {"age": 85}
    draft.add_page("居民身份证", Path("a.jpg"))
    draft.choose(CATALOGUE.get("450981-MZ-005"))
    assert draft.form == {"age": 85}
    draft.choose(CATALOGUE.get("450981-MZ-001"))
    assert draft.form == {} and draft.files() == [] and draft.applicant == {"name": "黄秀英"}
