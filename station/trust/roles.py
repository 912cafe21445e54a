"""The roles a station's users can have (names and labels only, no database).

``station.trust.users`` enforces them; the command line offers them as choices
without loading the store (station/cli/context.py says why).
"""

from __future__ import annotations

from station.i18n import N_

ROLES = ("agent", "reviewer", "signer", "admin", "auditor")
OFFICE_ROLES = ("reviewer", "signer")
ROLE_LABELS = {"agent": N_("代办员"), "reviewer": N_("审核员"), "signer": N_("签发人"),
               "admin": N_("管理员"), "auditor": N_("审计员")}
