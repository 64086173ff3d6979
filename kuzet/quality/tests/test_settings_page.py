"""The quality settings: the secretariat's page, validated, audited; nobody else's."""

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from kuzet.core.models import AuditEvent
from kuzet.people.models import User
from kuzet.quality.models import QualitySettings
from kuzet.quality.services import quality_settings_update

pytestmark = pytest.mark.django_db
URL = "/quality/settings/"


def test_by_default_nothing_blocks_and_the_defaults_apply() -> None:
    settings = QualitySettings.current()
    assert settings.blocking == [] and settings.min_stay_minutes == 60
    assert not settings.blocks("no_interview")


def test_the_secretariat_changes_thresholds_and_blocking_codes_and_it_is_audited(
    secretariat: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(secretariat)
    assert client.get(URL).status_code == 200
    response = client.post(
        URL,
        {
            "min_stay_minutes": "90",
            "checklist_repeat_percent": "90",
            "checklist_repeat_min_items": "5",
            "blocking": ["no_interview", "standard_answer"],
        },
    )
    assert response.status_code == 302
    settings = QualitySettings.current()
    assert settings.min_stay_minutes == 90
    assert settings.blocking == ["no_interview", "standard_answer"]
    event = AuditEvent.objects.filter(object_type="quality.qualitysettings").latest("id")
    assert event.actor_id == secretariat.pk
    assert {"min_stay_minutes", "blocking"} <= set(event.fields)


def test_a_bad_value_is_refused_with_its_field_named_and_nothing_saved(
    secretariat: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(secretariat).post(
        URL,
        {"min_stay_minutes": "0", "checklist_repeat_percent": "95",
         "checklist_repeat_min_items": "5", "blocking": ["no_such_code"]},
        headers={"accept-language": "en"},
    )  # fmt: skip
    assert response.status_code == 422
    page = response.content.decode()
    assert "no_such_code" in page and "greater than or equal to 1" in page
    assert not QualitySettings.objects.exists()
    with pytest.raises(ValidationError) as refused:
        quality_settings_update(actor=secretariat, values={"blocking": ["nonsense"]})
    assert "blocking" in refused.value.message_dict


def test_nobody_but_the_secretariat_changes_them(
    coordinator: User, administrator: User, client_for: Callable[[User], Client]
) -> None:
    for user in (coordinator, administrator):
        assert client_for(user).get(URL).status_code == 403
        assert client_for(user).post(URL, {"min_stay_minutes": "5"}).status_code == 403
        with pytest.raises(PermissionDenied):
            quality_settings_update(actor=user, values={"min_stay_minutes": 5})
    assert not QualitySettings.objects.exists()
