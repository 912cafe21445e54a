"""Document templates by name: the catalogue names one per kind of document.

The names and kinds are ``forms.schema.DOCUMENT_TEMPLATES`` (the catalogue
loader refuses any other); this module maps each to the writer that prints
it.  ``render(name, info, path)`` prints any of them; the info dataclass must
be the template's (``DecisionInfo`` for decisions, ``RefusalInfo``,
``NoticeInfo``, ``SpecialInfo``, ``AcceptInfo``, ``ExtendInfo``,
``ServiceInfo``).  Every template carries a seal field, a square kept empty
for the office's seal above the issuing organ's name (``sealplace``); the
letters to the resident end with a 送达回证 page (``service``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forms.matter import Matter
from station.documents.accept import AcceptInfo, write_accept
from station.documents.decision import DecisionInfo, write_decision
from station.documents.extend import ExtendInfo, write_extend
from station.documents.notice import NoticeInfo, write_notice
from station.documents.refusal import RefusalInfo, write_refusal
from station.documents.service import ServiceInfo, write_service
from station.documents.special import SpecialInfo, write_special
from station.i18n import N_, translate

__all__ = ["TEMPLATES", "Template", "for_matter", "render"]


@dataclass(frozen=True)
class Template:
    name: str  # as the catalogue names it (Chinese), also the printed title
    kind: str  # approve / reject / refuse / supplement / special / accept / extend / service
    info_type: type
    write: Callable[[Any, Path, str], Path]  # (info, path, translated title)


def _decision(approved: bool) -> Callable[[Any, Path, str], Path]:
    def write(info: DecisionInfo, path: Path, title: str) -> Path:
        return write_decision(info, path, title=title, approved=approved)
    return write


def _notice(info: NoticeInfo, path: Path, title: str) -> Path:
    return write_notice(info, path, title=title)


def _refusal(info: RefusalInfo, path: Path, title: str) -> Path:
    return write_refusal(info, path, title=title)


def _special(info: SpecialInfo, path: Path, title: str) -> Path:
    return write_special(info, path, title=title)


def write_accept_as(info: AcceptInfo, path: Path, title: str) -> Path:
    return write_accept(info, path, title=title)


def write_extend_as(info: ExtendInfo, path: Path, title: str) -> Path:
    return write_extend(info, path, title=title)


def write_service_as(info: ServiceInfo, path: Path, title: str) -> Path:
    return write_service(info, path, title=title)


TEMPLATES: dict[str, Template] = {
    template.name: template
    for template in (
        Template(N_("准予批准决定书"), "approve", DecisionInfo, _decision(True)),
        Template(N_("准予行政许可决定书"), "approve", DecisionInfo, _decision(True)),
        Template(N_("不予批准决定书"), "reject", DecisionInfo, _decision(False)),
        Template(N_("不予行政许可决定书"), "reject", DecisionInfo, _decision(False)),
        Template(N_("不予受理通知书"), "refuse", RefusalInfo, _refusal),
        Template(N_("补齐补正告知书"), "supplement", NoticeInfo, _notice),
        Template(N_("特别程序告知书"), "special", SpecialInfo, _special),
        Template(N_("受理通知书"), "accept", AcceptInfo, write_accept_as),
        Template(N_("延期告知书"), "extend", ExtendInfo, write_extend_as),
        Template(N_("送达回证"), "service", ServiceInfo, write_service_as),
    )
}


def render(template_name: str, info: object, path: Path) -> Path:
    """Print ``info`` with the template named ``template_name`` to ``path``; return ``path``.

    The names are the catalogue's (validated when it loads), so an unknown
    name or an info of the wrong type is a programming error (KeyError,
    TypeError).
    """
    template = TEMPLATES[template_name]
    if not isinstance(info, template.info_type):
        raise TypeError(
            f"template {template_name} prints a {template.info_type.__name__}, "
            f"not a {type(info).__name__}"
        )
    return template.write(info, path, translate(template.name))


def for_matter(matter: Matter, kind: str) -> str:
    """The template name ``matter`` uses for documents of ``kind``."""
    return matter.templates.for_kind(kind)
