"""The wizard's draft: choosing a matter, and page operations."""

from __future__ import annotations

from forms.catalogue import load_catalogue
from station.filing.drafts import DraftPage
from station.ui.wizard.draft import Draft

CATALOGUE = load_catalogue()


def test_pages_can_be_added_moved_removed_and_replaced() -> None:
    draft = Draft()
    draft.choose(CATALOGUE.get("450981-MZ-005"))
    a, b, c = (DraftPage(f"{n}" * 64, 10, f"{n}.jpg") for n in "abc")
    for page in (a, b, c):
        draft.add_page("居民身份证", page)
    assert draft.move_page("居民身份证", 2, -1) == 1
    assert draft.pages["居民身份证"] == [a, c, b]
    assert draft.move_page("居民身份证", 0, -1) == 0  # already first
    assert draft.remove_page("居民身份证", 1) == c
    draft.replace_page("居民身份证", 0, DraftPage("d" * 64, 10, "a-rotated.jpg"))
    assert [f.path.name for f in draft.files()] == ["a-rotated.jpg", "b.jpg"]
    assert draft.stored == ["a" * 64, "b" * 64, "c" * 64, "d" * 64]  # removed or replaced too
    assert "居民身份证" not in draft.missing()
    assert "高龄津贴申请表" in draft.missing()


def test_choosing_another_matter_drops_its_form_and_pages() -> None:
    draft = Draft()
    draft.choose(CATALOGUE.get("450981-MZ-005"))
    draft.applicant = {"name": "黄秀英"}
    draft.form = {"age": 85}
    draft.add_page("居民身份证", DraftPage("a" * 64, 10, "a.jpg"))
    draft.choose(CATALOGUE.get("450981-MZ-005"))
    assert draft.form == {"age": 85}
    draft.choose(CATALOGUE.get("450981-MZ-001"))
    assert draft.form == {} and draft.files() == [] and draft.applicant == {"name": "黄秀英"}


def test_a_draft_comes_back_from_its_stored_form_as_it_was() -> None:
    draft = Draft()
    draft.choose(CATALOGUE.get("450981-MZ-005"))
    draft.applicant = {"name": "黄秀英", "id_number": "", "phone": "", "address": ""}
    draft.form = {"age": "85"}
    draft.add_page("居民身份证", DraftPage("a" * 64, 10, "a.jpg"))
    draft.step = 3
    again = Draft.from_content(CATALOGUE, "draft-1", draft.to_content())
    assert again.matter == draft.matter and again.applicant == draft.applicant
    assert again.form == draft.form and again.pages == draft.pages
    assert again.step == 3 and again.stored == draft.stored and again.id == "draft-1"


def test_an_untouched_draft_is_empty() -> None:
    draft = Draft()
    assert draft.is_empty()
    draft.applicant = {"name": "", "phone": ""}
    assert draft.is_empty()
    draft.applicant["name"] = "黄"
    assert not draft.is_empty()
