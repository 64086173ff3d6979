"""Fixtures of the open selection: a call open in our region, Council members, a form."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kuzet.core.policy import Role
from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.scoring import right_answers
from kuzet.instruments.services import (
    LIBRARY_DIR,
    instrument_version_import,
    instrument_version_publish,
)
from kuzet.membership.models import AgendaItem, Application, Call, Ground
from kuzet.membership.services import CriterionSpec, agenda_item_add, call_open, meeting_create
from kuzet.people.models import User
from kuzet.registry.models import Region


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    # Assertions read English; the Russian and Kazakh pages are the browser test's.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def onboarding_test(secretariat: User) -> InstrumentVersion:
    """The onboarding test of the standard library, imported and published."""
    outcome = instrument_version_import(
        data=(LIBRARY_DIR / "onboarding-test.xlsx").read_bytes(), actor=secretariat
    )
    assert outcome.version is not None, outcome.errors
    return instrument_version_publish(version=outcome.version, actor=secretariat)


def right_answers_form(version: InstrumentVersion) -> dict[str, Any]:
    """The onboarding form with every answer right and the rules acknowledged."""
    return {
        "version": str(version.pk),
        "acknowledge": "on",
        **{name: sorted(right) for name, right in right_answers(version.document).items()},
    }


@pytest.fixture
def call(secretariat: User, own_region: Region) -> Call:
    return call_open(
        actor=secretariat,
        title_ru="Отбор участников НПМ 2027",
        title_kk="ҰАТ қатысушыларын іріктеу 2027",
        text_ru="Приглашаем граждан.",
        text_kk="Азаматтарды шақырамыз.",
        regions=[own_region],
        places=2,
        deadline=timezone.now() + timedelta(days=30),
        criteria=[
            CriterionSpec("Опыт", "Тәжірибе", 3),
            CriterionSpec("Мотивация", "Уәждеме", 1),
        ],
    )


@pytest.fixture
def agenda_item(secretariat: User) -> AgendaItem:
    """An item on the agenda of a Council meeting, where the selection is decided."""
    meeting = meeting_create(actor=secretariat, date=date(2027, 1, 20), title="Заседание Совета")
    return agenda_item_add(actor=secretariat, meeting=meeting, title="Итоги отбора")


@pytest.fixture
def council(make_user: Callable[..., User]) -> list[User]:
    return [make_user(Role.COUNCIL, username=f"council{n}") for n in range(3)]


def form_data(region: Region, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "full_name": "Айгуль Серикова",
        "email": "aigul@example.kz",
        "phone": "+7 701 123 45 67",
        "birth_date": "1985-04-02",
        "region": str(region.pk),
        "education": "КазНУ, юрист",
        "experience": "10 лет в правозащитной НКО",
        "motivation": "Хочу, чтобы в учреждениях не было пыток.",
        "consent": "on",
        "publish_name": "on",
        "website": "",
    }
    for ground in Ground:
        data[f"ground_{ground.value}"] = "no"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def status_link_from(mail: Any) -> str:
    body = mail.body
    start = body.index("/apply/status/")
    end = body.index("/", body.index("/", start + len("/apply/status/")) + 1) + 1
    return body[start:end]


def apply_as(client: Client, call: Call, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(f"/apply/{call.pk}/", data, **extra)


def applied(call: Call, region: Region, mailoutbox: list[Any], email: str) -> Application:
    """An application made through the public form and confirmed from its e-mail."""
    client = Client(REMOTE_ADDR=f"127.0.{len(mailoutbox)}.1")
    response = apply_as(client, call, form_data(region, email=email, full_name=email.split("@")[0]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.get(status_link_from(mailoutbox[-1])).status_code == 200
    return Application.objects.get(email=email)
