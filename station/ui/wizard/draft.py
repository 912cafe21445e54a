"""What the agent has entered so far: pure data, no Tk (unit-tested alone)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from forms.catalogue import Matter
from station.filing.new_case import MaterialFile, Proxy


@dataclass
class Draft:
    matter: Matter | None = None
    applicant: dict[str, str] = field(default_factory=dict)
    proxy: Proxy | None = None
    form: dict[str, object] = field(default_factory=dict)
    pages: dict[str, list[Path]] = field(default_factory=dict)

    def choose(self, matter: Matter) -> None:
        """A different matter keeps the applicant but not its form or pages."""
        if self.matter is None or self.matter.code != matter.code:
            self.form = {}
            self.pages = {m.name: [] for m in matter.materials}
        self.matter = matter

    def add_page(self, material: str, path: Path) -> int:
        self.pages.setdefault(material, []).append(path)
        return len(self.pages[material]) - 1

    def move_page(self, material: str, index: int, delta: int) -> int:
        pages = self.pages[material]
        target = max(0, min(len(pages) - 1, index + delta))
        pages.insert(target, pages.pop(index))
        return target

    def remove_page(self, material: str, index: int) -> Path:
        return self.pages[material].pop(index)

    def replace_page(self, material: str, index: int, path: Path) -> None:
        self.pages[material][index] = path

    def files(self) -> list[MaterialFile]:
        return [MaterialFile(name, path) for name, paths in self.pages.items() for path in paths]

    def missing(self) -> list[str]:
        if self.matter is None:
            return []
        given = (name for name, pages in self.pages.items() if pages)
        return self.matter.missing_materials(self.form, given)

    def required(self) -> set[str]:
        """Names of the materials this application needs, for the form filled so far."""
        if self.matter is None:
            return set()
        return {m.name for m in self.matter.required_materials(self.form)}
