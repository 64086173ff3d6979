"""The instruments a visit may fill are a rule of the service (``response_start``): the web
page and the field API obey the same one."""

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.services import instrument_version_import, instrument_version_publish
from kuzet.instruments.tests.xlsforms import xlsform
from kuzet.people.models import User
from kuzet.registry.models import Norm
from kuzet.visits.models import Response, Visit
from kuzet.visits.services.responses import response_start

pytestmark = pytest.mark.django_db


def published(secretariat: User, **settings: str) -> InstrumentVersion:
    Norm.objects.get_or_create(
        code="UN-SMR-13", defaults={"title_ru": "Размещение", "text_ru": "Помещения …"}
    )
    outcome = instrument_version_import(data=xlsform(settings=settings), actor=secretariat)
    assert outcome.version is not None, outcome.errors
    return instrument_version_publish(version=outcome.version, actor=secretariat)


@pytest.fixture
def sizo_checklist(secretariat: User) -> InstrumentVersion:
    """A checklist for pre-trial detention centres; the visit's institution is an ИВС."""
    return published(
        secretariat, form_id="sizo-checklist", kuzet_institution_types="sizo", version="2026.1"
    )


def test_the_service_refuses_an_instrument_for_another_institution_type(
    visit: Visit, leader: User, sizo_checklist: InstrumentVersion
) -> None:
    assert visit.institution.type.code == "ivs"
    with pytest.raises(ValidationError) as refused:
        response_start(actor=leader, visit=visit, version=sizo_checklist)
    assert "version" in refused.value.message_dict
    assert not Response.objects.exists()


def test_the_service_starts_an_instrument_for_the_institutions_type(
    visit: Visit, leader: User, secretariat: User
) -> None:
    ivs_checklist = published(secretariat)
    response = response_start(actor=leader, visit=visit, version=ivs_checklist)
    assert response.version == ivs_checklist


def test_the_service_starts_an_instrument_meant_for_every_type(
    visit: Visit, leader: User, secretariat: User
) -> None:
    everywhere = published(secretariat, form_id="general-checklist", kuzet_institution_types="")
    assert not everywhere.instrument.assignments.exists()
    response = response_start(actor=leader, visit=visit, version=everywhere)
    assert response.version == everywhere


def test_the_web_page_refuses_an_instrument_for_another_institution_type(
    visit: Visit,
    leader: User,
    sizo_checklist: InstrumentVersion,
    client_for: Callable[[User], Client],
) -> None:
    reply = client_for(leader).post(
        f"/visits/{visit.pk}/responses/new/", {"version": sizo_checklist.pk}
    )
    assert reply.status_code == 302
    assert not Response.objects.exists()
