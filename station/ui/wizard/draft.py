"""What the agent has entered so far: pure data, no Tk (unit-tested alone).

Pages are scans already sealed in the material store (``DraftPage``); the whole
draft turns into the JSON that ``station.filing.drafts`` keeps sealed, and back.
Materials the resident handed in for an earlier case and reuses (资料共享,
``station.filing.reuse``) are kept by name with the case they came from, beside the
resident's consent; a draft saved before reuse existed reads as none chosen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from forms.catalogue import Catalogue, Matter
from station.filing.drafts import DraftPage
from station.filing.new_case import VILLAGE_AGENT, MaterialFile, Proxy


@dataclass(frozen=True)
class Reused:
    """A material chosen for reuse: the earlier case it came with, and its pages."""

    case_no: str
    pages: int

    def to_json(self) -> dict[str, object]:
        return {"case_no": self.case_no, "pages": self.pages}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reused:
        return cls(str(data.get("case_no") or ""), int(data.get("pages") or 0))


@dataclass
class Draft:
    matter: Matter | None = None
    applicant: dict[str, str] = field(default_factory=dict)
    proxy: Proxy | None = None
    form: dict[str, object] = field(default_factory=dict)
    pages: dict[str, list[DraftPage]] = field(default_factory=dict)
    id: str | None = None  # once saved
    step: int = 0  # the wizard's step to resume at
    stored: list[str] = field(default_factory=list)  # every scan this draft stored
    reuse: dict[str, Reused] = field(default_factory=dict)  # material name -> its source
    reuse_consent: bool = False  # the resident agreed to the reuse

    def choose(self, matter: Matter) -> None:
        """A different matter keeps the applicant but not its form or pages."""
        if self.matter is None or self.matter.code != matter.code:
            self.form = {}
            self.pages = {m.name: [] for m in matter.materials}
            self.reuse = {}
            self.reuse_consent = False
        self.matter = matter

    def add_page(self, material: str, page: DraftPage) -> int:
        self.pages.setdefault(material, []).append(page)
        self._remember(page)
        return len(self.pages[material]) - 1

    def move_page(self, material: str, index: int, delta: int) -> int:
        pages = self.pages[material]
        target = max(0, min(len(pages) - 1, index + delta))
        pages.insert(target, pages.pop(index))
        return target

    def remove_page(self, material: str, index: int) -> DraftPage:
        return self.pages[material].pop(index)

    def replace_page(self, material: str, index: int, page: DraftPage) -> None:
        self.pages[material][index] = page
        self._remember(page)

    def _remember(self, page: DraftPage) -> None:
        if page.blob not in self.stored:
            self.stored.append(page.blob)

    def files(self) -> list[MaterialFile]:
        return [page.material_file(name) for name, pages in self.pages.items()
                for page in pages]

    def missing(self) -> list[str]:
        if self.matter is None:
            return []
        given = [name for name, pages in self.pages.items() if pages] + list(self.reuse)
        return self.matter.missing_materials(self.form, given)

    def required(self) -> set[str]:
        """Names of the materials this application needs, for the form filled so far."""
        if self.matter is None:
            return set()
        return {m.name for m in self.matter.required_materials(self.form)}

    def is_empty(self) -> bool:
        """Nothing worth keeping has been entered yet."""
        return (self.matter is None and not any(self.applicant.values())
                and not self.form and not self.stored)

    # -- kept sealed in the store ------------------------------------------------
    def to_content(self) -> dict[str, Any]:
        return {
            "matter": self.matter.code if self.matter else None,
            "applicant": dict(self.applicant),
            "proxy": {"consent": self.proxy.consent} if self.proxy else None,
            "form": dict(self.form),
            "pages": {name: [p.to_json() for p in pages] for name, pages in self.pages.items()},
            "step": self.step,
            "stored": list(self.stored),
            "reuse": {name: source.to_json() for name, source in self.reuse.items()},
            "reuse_consent": self.reuse_consent,
        }

    @classmethod
    def from_content(cls, catalogue: Catalogue, draft_id: str,
                     content: Mapping[str, Any]) -> Draft:
        code = content.get("matter")
        proxy = content.get("proxy")
        return cls(
            matter=catalogue.get(code) if code else None,
            applicant={str(k): str(v) for k, v in (content.get("applicant") or {}).items()},
            proxy=Proxy(consent=bool(proxy["consent"]), relation=VILLAGE_AGENT)
            if proxy else None,
            form=dict(content.get("form") or {}),
            pages={str(name): [DraftPage.from_json(p) for p in pages]
                   for name, pages in (content.get("pages") or {}).items()},
            id=draft_id,
            step=int(content.get("step") or 0),
            stored=[str(a) for a in content.get("stored") or []],
            reuse={str(name): Reused.from_json(source)
                   for name, source in (content.get("reuse") or {}).items()},
            reuse_consent=bool(content.get("reuse_consent")),
        )
