"""Who may record things on a visit: its team (and the region's coordinator), until approval."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from kuzet.core.policy import Action, can_on_visit
from kuzet.visits.models import Visit
from kuzet.visits.services.lifecycle import LOCKED, team_user_ids


def require_can_record(actor: Any, visit: Visit) -> None:
    if not can_on_visit(
        actor, Action.CONDUCT_VISIT, region_id=visit.region_id, team_user_ids=team_user_ids(visit)
    ):
        raise PermissionDenied(_("You may not record anything on this visit."))
    if visit.status in LOCKED:
        raise ValidationError(_("This visit is approved; changes are amendments."))
