"""Changing the report quality settings (the secretariat; every change audited)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from kuzet.core.policy import Action, can
from kuzet.quality.models import QualitySettings

SETTING_FIELDS = [
    "min_stay_minutes",
    "checklist_repeat_percent",
    "checklist_repeat_min_items",
    "blocking",
]


@transaction.atomic
def quality_settings_update(*, actor: Any, values: dict[str, Any]) -> QualitySettings:
    """Save the settings named in ``values``; a bad value is a ValidationError naming its field
    and nothing is saved. The row's audited ``save()`` records who changed what."""
    if not can(actor, Action.MANAGE_QUALITY_SETTINGS):
        raise PermissionDenied
    current = QualitySettings.objects.select_for_update().filter(pk=1).first()
    settings = current or QualitySettings(pk=1)
    for name in SETTING_FIELDS:
        if name in values:
            setattr(settings, name, values[name])
    if isinstance(settings.blocking, list):
        settings.blocking = sorted(set(settings.blocking))
    settings.full_clean()
    settings.save()
    return settings
