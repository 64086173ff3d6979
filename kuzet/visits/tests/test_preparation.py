"""The preparation pack: earlier visits, open recommendations, instruments and norms for the place."""

import io
from collections.abc import Callable
from datetime import date

import pytest
from django.core.management import call_command
from django.test import Client

from kuzet.people.models import User
from kuzet.recommendations.models import Addressee, Recommendation
from kuzet.visits.models import TeamMember, Visit
from kuzet.visits.preparation import preparation_pack
from kuzet.visits.services.planning import TeamPlace, visit_plan

pytestmark = pytest.mark.django_db


def test_the_pack_gathers_what_the_team_must_know(
    visit: Visit,
    coordinator: User,
    leader: User,
    member: User,
    client_for: Callable[[User], Client],
) -> None:
    call_command("load_library", stdout=io.StringIO())
    Recommendation.objects.create(
        visit=visit, text_ru="Установить окна в камерах № 2 и № 5 до лета.", theme="material_conditions",
        addressee=Addressee.objects.get(code="dept-mia-police"), created_by=member, status="issued",
    )  # fmt: skip
    draft = Recommendation.objects.create(
        visit=visit, text_ru="Отремонтировать душевую до конца года.", theme="material_conditions",
        addressee=Addressee.objects.get(code="dept-mia-police"), created_by=member,
    )  # fmt: skip
    closed = Recommendation.objects.create(
        visit=visit, text_ru="Вести журнал применения силы по установленной форме.", theme="treatment",
        addressee=Addressee.objects.get(code="dept-mia-police"), created_by=member, status="implemented",
    )  # fmt: skip
    follow_up = visit_plan(
        actor=coordinator, institution=visit.institution, planned_date=date(2027, 3, 1), kind=Visit.Kind.FOLLOW_UP,
        team=[TeamPlace(leader, TeamMember.Role.LEADER), TeamPlace(member, TeamMember.Role.MEMBER)],
    )  # fmt: skip
    pack = preparation_pack(follow_up)
    assert list(pack.previous_visits) == [visit]
    to_verify = Recommendation.objects.to_verify_on(follow_up)
    assert [r.text_ru for r in to_verify] == ["Установить окна в камерах № 2 и № 5 до лета."]
    assert closed not in to_verify and draft not in to_verify
    page = client_for(leader).get(f"/visits/{follow_up.pk}/").content.decode()
    assert "Установить окна в камерах" in page
    assert "Вести журнал применения силы" not in page
    codes = {v.instrument.code for v in pack.instruments}
    assert {"ivs-full", "detainee-interview", "staff-interview", "medical-unit"} <= codes
    assert "sizo-full" not in codes and "psychiatric-full" not in codes
    assert pack.norms.filter(code="UN-OPCAT-20").exists()
