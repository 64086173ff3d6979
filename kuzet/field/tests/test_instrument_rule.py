"""The field API obeys the service's rule on instruments: a version of an instrument meant
for another institution type is refused as a clear problem, not stored, not a 500."""

from collections.abc import Callable

import pytest

from kuzet.field.models import Submission
from kuzet.field.tests.device import COMPLETE_ANSWERS, Device, record
from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.tests.xlsforms import xlsform_publish
from kuzet.people.models import User
from kuzet.visits.models import Response, Visit

pytestmark = pytest.mark.django_db


def test_a_response_with_an_instrument_for_another_type_is_422(
    visit: Visit, member: User, secretariat: User, device_for: Callable[[User], Device]
) -> None:
    sizo = xlsform_publish(secretariat, form_id="sizo-checklist", kuzet_institution_types="sizo")
    assert visit.institution.type.code == "ivs"
    rec = record("response", visit.pk, {"version": sizo.pk, "answers": COMPLETE_ANSWERS})

    reply = device_for(member).submit(rec)

    assert reply.status_code == 422, reply.content
    assert reply["Content-Type"] == "application/problem+json"
    body = reply.json()
    assert body["code"] == "invalid_record"
    assert "version" in body["fields"]
    assert not Response.objects.exists() and not Submission.objects.exists()


def test_a_response_with_an_instrument_for_the_type_is_stored(
    visit: Visit,
    member: User,
    checklist: InstrumentVersion,
    device_for: Callable[[User], Device],
) -> None:
    rec = record("response", visit.pk, {"version": checklist.pk, "answers": COMPLETE_ANSWERS})
    assert device_for(member).submit(rec).status_code == 201
    assert Response.objects.get().version == checklist
