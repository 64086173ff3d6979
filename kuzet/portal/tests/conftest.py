"""Shared data of the portal tests: a visit sent with recommendations to two addressees,
and an official of each, made through the invitation link."""

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from kuzet.people.models import User
from kuzet.portal.services import official_invite
from kuzet.recommendations.models import Addressee, Recommendation
from kuzet.recommendations.services import recommendation_record, visit_send
from kuzet.visits.models import Visit
from kuzet.visits.services.lifecycle import visit_transition

S = Visit.Status
TEXT = "Обеспечить естественное освещение в камерах № 2 и № 5, заменив стеклоблоки окнами до 1 июля 2027 года."
OTHER_TEXT = "Провести проверку соблюдения сроков уведомления прокурора о каждом задержании в ИВС до 1 марта 2027 года."
PASSWORD = "a-long-portal-password-2026"


@pytest.fixture(autouse=True)
def messages_in_english(in_english: None, settings: object, tmp_path: Path) -> None:
    """Messages are asserted in English, also those of pages (which would otherwise
    activate the site's default language for the rest of the test)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")  # type: ignore[attr-defined]
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]


@pytest.fixture
def police(db: object) -> Addressee:
    return Addressee.objects.get(code="dept-mia-police")


@pytest.fixture
def prosecutor(db: object) -> Addressee:
    return Addressee.objects.exclude(code="dept-mia-police").order_by("code").first()  # type: ignore[return-value]


@pytest.fixture
def recommendations(
    visit: Visit, leader: User, secretariat: User, police: Addressee, prosecutor: Addressee
) -> tuple[Recommendation, Recommendation]:
    """One recommendation to the police, one to the other addressee, sent."""
    ours = recommendation_record(
        actor=leader, visit=visit, text_ru=TEXT, addressee=police, theme="material_conditions",
        deadline=date(2027, 7, 1),
    )  # fmt: skip
    theirs = recommendation_record(
        actor=leader, visit=visit, text_ru=OTHER_TEXT, addressee=prosecutor, theme="safeguards",
        deadline=date(2027, 3, 1),
    )  # fmt: skip
    for status in (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING, S.UNDER_REVIEW):
        visit = visit_transition(actor=leader, visit=visit, to_status=status)
    visit = visit_transition(
        actor=secretariat, visit=visit, to_status=S.APPROVED, comment="Предупреждения учтены."
    )
    visit_send(actor=secretariat, visit=visit)
    ours.refresh_from_db()
    theirs.refresh_from_db()
    return ours, theirs


def make_official(secretariat: User, addressee: Addressee, username: str) -> User:
    _invitation, token = official_invite(
        actor=secretariat, addressee=addressee, full_name=f"Official {username}",
        email=f"{username}@example.kz",
    )  # fmt: skip
    response = Client().post(
        reverse("portal:invitation", args=[token]),
        {"username": username, "password": PASSWORD, "password_again": PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return User.objects.get(username=username)


@pytest.fixture
def official(secretariat: User, police: Addressee) -> User:
    return make_official(secretariat, police, "police-official")


@pytest.fixture
def other_official(secretariat: User, prosecutor: Addressee) -> User:
    return make_official(secretariat, prosecutor, "other-official")


@pytest.fixture
def official_client(official: User, client_for: Callable[[User], Client]) -> Client:
    return client_for(official)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
