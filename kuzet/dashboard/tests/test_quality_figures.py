"""Report quality on the dashboard: counted from the facts the writes' marks bring up to
date, the same after a rebuild, by region, regional group, department and month, each figure
linking to the visits behind it with the dashboard's access rules."""

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kuzet.conftest import InstitutionFactory
from kuzet.core.policy import Role
from kuzet.dashboard.facts import QUALITY_COUNTS, facts_catch_up
from kuzet.dashboard.models import VisitCount, VisitFact
from kuzet.dashboard.tests.tables import table
from kuzet.people.models import RegionalGroup, User
from kuzet.quality.signals import SIGNALS
from kuzet.recommendations.models import Addressee
from kuzet.recommendations.services import recommendation_record
from kuzet.registry.models import Region
from kuzet.visits.models import Interview, TeamMember, Visit
from kuzet.visits.services.interviews import interview_record
from kuzet.visits.services.lifecycle import visit_times_set, visit_transition
from kuzet.visits.services.planning import TeamPlace, visit_plan

pytestmark = pytest.mark.django_db
S = Visit.Status
ADVICE = "Начальнику ИВС обеспечить каждого в камере № 4 отдельным спальным местом до 1 июня."
# The other visit's own recommendation (the same text in two institutions' reports would be
# a copy, which this test does not look at).
OTHER_ADVICE = (
    "Начальнику ИВС до 1 марта отремонтировать вентиляцию в камерах № 2 и № 3 и проверить "
    "её работу замером воздухообмена."
)


def reported(visit: Visit, leader: User, *, talk: bool) -> Visit:
    for status in (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING):
        visit = visit_transition(actor=leader, visit=visit, to_status=status)
    now = timezone.now()
    visit_times_set(actor=leader, visit=visit, started_at=now - timedelta(hours=4),
                    ended_at=now - timedelta(hours=1))  # fmt: skip
    if talk:
        interview_record(
            actor=leader, visit=visit, kind=Interview.Kind.INDIVIDUAL, person_code="A-1",
            conducted_at=now - timedelta(hours=2), consent_interview=True,
        )  # fmt: skip
    recommendation_record(
        actor=leader, visit=visit, text_ru=OTHER_ADVICE if talk else ADVICE,
        text_kk="Шара қабылдау." if talk else "",
        addressee=Addressee.objects.filter(is_active=True).first(), theme="material_conditions",
    )  # fmt: skip
    return visit_transition(actor=leader, visit=visit, to_status=S.UNDER_REVIEW)


@pytest.fixture
def record(
    visit: Visit, leader: User, member: User, coordinator: User, own_region: Region
) -> dict[str, Any]:
    """Two reported visits in our region the same month: one without any interview (and an
    adequate recommendation), one with a private interview and a weak Kazakh text."""
    other = visit_plan(
        actor=coordinator, institution=InstitutionFactory(region=own_region),
        planned_date=visit.planned_date,
        team=[TeamPlace(leader, TeamMember.Role.LEADER),
              TeamPlace(member, TeamMember.Role.MEMBER)],
    )  # fmt: skip
    RegionalGroup(region=own_region, name="Группа НПМ Алматы").save()
    return {
        "bare": reported(visit, leader, talk=False),
        "talked": reported(other, leader, talk=True),
    }


def period(visit: Visit) -> dict[str, str]:
    day = visit.planned_date
    return {"start": day.replace(day=1).isoformat(), "end": day.replace(day=28).isoformat()}


def test_the_quality_tables_count_the_reported_visits(
    record: dict[str, Any], secretariat: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(secretariat)
    client.cookies["django_language"] = "en"
    query = period(record["bare"])
    by_region = table(client, "quality_by_region", **query)
    body = client.get("/dashboard/data/quality_by_region.csv", query).content.decode("utf-8-sig")
    columns = next(csv.reader(io.StringIO(body)))[1:]
    row = dict(zip(columns, by_region["all"], strict=True))
    assert row["visits reported"] == "2"
    assert row["no interview, % of visits"] == "50"  # one of the two visits
    assert row["weak recommendations, %"] == "33"  # 1 of 3 texts (ru, ru, kk)
    assert row["weak findings, %"] == "" and row["copied texts, %"] == "0"
    region_name = record["bare"].region.name
    assert by_region[region_name] == by_region["all"]
    groups = table(client, "quality_by_group", **query)
    assert groups[f"Группа НПМ Алматы ({region_name})"] == by_region["all"]
    months = table(client, "quality_by_month", **query)
    assert list(months.values())[1] == by_region["all"]
    departments = table(client, "quality_by_department", **query)
    assert sum(int(values[0]) for key, values in departments.items() if key != "all") == 2

    page = client.get("/dashboard/", query).content.decode()
    assert "Report quality by regional group" in page


def test_a_figure_links_to_the_visits_behind_it_as_the_user_may_see_them(
    record: dict[str, Any],
    secretariat: User,
    make_user: Callable[..., User],
    other_region: Region,
    client_for: Callable[[User], Client],
) -> None:
    query = {**period(record["bare"]), "quality": "q_no_interview"}
    page = client_for(secretariat).get("/dashboard/visits/", query).content.decode()
    assert f"/visits/{record['bare'].pk}/review/#quality" in page
    assert f"/visits/{record['talked'].pk}/" not in page
    # Another region's coordinator counts nothing of ours; a bad figure name is reported.
    far = client_for(make_user(Role.COORDINATOR, region=other_region, username="far"))
    far_page = far.get("/dashboard/visits/", query, headers={"accept-language": "en"})
    assert f"/visits/{record['bare'].pk}/" not in far_page.content.decode()
    bad = client_for(secretariat).get(
        "/dashboard/visits/", {"quality": "q_nonsense"}, headers={"accept-language": "en"}
    )
    assert "Unknown quality figure" in bad.content.decode()


def test_a_rebuild_gives_the_quality_the_writes_kept(record: dict[str, Any]) -> None:
    facts_catch_up()
    columns = list(QUALITY_COUNTS)
    kept = sorted(VisitFact.objects.values_list("visit_id", *columns))
    counts = sorted(VisitCount.objects.values_list("grain", "months", "status", *columns))
    assert any(row[1] for row in kept)
    call_command("rebuild_dashboard_facts", stdout=io.StringIO())
    assert sorted(VisitFact.objects.values_list("visit_id", *columns)) == kept
    assert sorted(VisitCount.objects.values_list("grain", "months", "status", *columns)) == counts


def test_every_signal_has_its_column_in_the_facts_in_the_order_counted() -> None:
    names = [f.name for f in VisitCount._meta.concrete_fields]
    assert names[-len(QUALITY_COUNTS) :] == list(QUALITY_COUNTS)
    assert {f"q_{code}" for code in SIGNALS} <= set(QUALITY_COUNTS)
    fact_names = [f.name for f in VisitFact._meta.concrete_fields]
    assert fact_names[-len(QUALITY_COUNTS) :] == list(QUALITY_COUNTS)
