"""Template context shared by every page."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from kuzet.core.policy import PORTAL_ROLES, Action, can


def kuzet(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "KUZET_DEMO": settings.DEMO,
        "nav": {
            "inventory": can(user, Action.VIEW_INVENTORY),
            "visits": can(user, Action.VIEW_VISIT),
            "import": can(user, Action.IMPORT_INSTITUTIONS),
            "instruments": can(user, Action.VIEW_INSTRUMENTS),
            "admin": can(user, Action.MANAGE_REFERENCE_DATA) or can(user, Action.MANAGE_USERS),
            "audit": can(user, Action.VIEW_AUDIT),
            "dashboard": can(user, Action.VIEW_DASHBOARD),
            "appeals": can(user, Action.MANAGE_APPEALS),
            "reports": can(user, Action.VIEW_VISIT) or can(user, Action.COMPILE_ANNUAL_REPORT),
            "portal": getattr(user, "role", "") in PORTAL_ROLES,
            "officials": can(user, Action.INVITE_OFFICIALS),
        },
    }
