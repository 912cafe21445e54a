"""docs/catalogue.md documents every key the loader knows, and its example is real."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from forms import schema
from forms.catalogue import load_catalogue_text
from forms.validate import validate_form

DOC = Path(__file__).resolve().parent.parent / "docs" / "catalogue.md"
TEXT = DOC.read_text(encoding="utf-8")


def sections() -> dict[str, str]:
    """Each '### ' heading → the text up to the next heading."""
    parts = re.split(r"^### (.+)$", TEXT, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def table_keys(section: str) -> set[str]:
    """The backticked names in the first column of the section's table rows."""
    return set(re.findall(r"^\|\s*`([^`]+)`\s*\|", section, flags=re.MULTILINE))


def section_for(table: str) -> str:
    found = [body for heading, body in sections().items() if table.lower() in heading.lower()]
    assert len(found) == 1, f"docs/catalogue.md needs one '### ' section for {table}"
    return found[0]


@pytest.mark.parametrize("table", sorted(schema.TABLES))
def test_every_key_of_every_table_is_documented(table: str) -> None:
    documented = table_keys(section_for(table))
    keys = set(schema.TABLES[table])
    assert keys - documented == set(), f"undocumented keys in {table}"
    assert documented - keys == set(), f"documented keys the loader does not know in {table}"


def test_the_key_constants_are_all_in_tables() -> None:
    constants = {name: value for name, value in vars(schema).items() if name.endswith("_KEYS")}
    assert set(constants) == {
        "FILE_KEYS",
        "MATTER_KEYS",
        "PROCEDURE_KEYS",
        "MATERIAL_KEYS",
        "FIELD_KEYS",
        "TEMPLATE_KEYS",
    }
    assert sorted(map(tuple, constants.values())) == sorted(schema.TABLES.values())


def test_every_field_type_and_allowed_value_is_documented() -> None:
    for value in (
        *schema.FIELD_TYPES,
        *schema.TIERS,
        *schema.MATERIAL_FORMS,
        *schema.MATERIAL_SOURCES,
        *schema.MATERIAL_MEDIA,
        *schema.MATTER_KINDS,
        *schema.FLOWS,
    ):
        assert f"`{value}`" in TEXT, value
    for kind in schema.MATTER_TYPES:
        assert kind in TEXT, kind


def test_the_full_example_loads_and_its_form_validates() -> None:
    (example,) = re.findall(r"```toml\n(.*?)```", TEXT, flags=re.DOTALL)
    (matter,) = load_catalogue_text(example, "example.toml")
    (filled,) = re.findall(r"```json\n(.*?)```", TEXT, flags=re.DOTALL)
    cleaned = validate_form(matter, json.loads(filled))
    assert cleaned["hardship_description"] == "房屋倒塌"
