"""What the catalogue asks of one material, in the words an agent reads to a resident:
how many originals and copies, on paper or electronically, and who issues it."""

from __future__ import annotations

from forms.matter import MaterialSpec, Matter
from station.i18n import _


def requirement(material: MaterialSpec) -> str:
    """E.g. "原件 1 份（核对后退还）、复印件 1 份；纸质、电子均可；出具单位：县残疾人联合会"."""
    counts = []
    if material.originals:
        counts.append(_("原件 {count} 份").format(count=material.originals))
    if material.photocopies and material.form != "电子件":
        counts.append(_("复印件 {count} 份").format(count=material.photocopies))
    if material.form == "电子件":
        counts.append(_("电子件 {count} 份").format(count=material.copies))
    parts = ["、".join(counts)]
    if material.media == ("纸质", "电子"):
        parts.append(_("纸质、电子均可"))
    elif material.media == ("电子",):
        parts.append(_("只收电子件"))
    if material.issuer:
        parts.append(_("出具单位：{issuer}").format(issuer=material.issuer))
    if material.note:
        parts.append(material.note)
    return "；".join(p for p in parts if p)


def condition(material: MaterialSpec, matter: Matter) -> str:
    """When a conditional material is needed, e.g. "申请方式为“亲属代办”或“村（居）委会代办”"."""
    if material.required_when is None:
        return ""
    parts = []
    for name, values in material.required_when.items():
        spec = matter.field_spec(name)
        label = spec.label if spec else name
        parts.append(_("{label}为{values}").format(
            label=label, values=_("或").join(f"“{v}”" for v in values)))
    return _("，且").join(parts)
