"""A write through any service is on the dashboard at the next page load, and a full rebuild
of the facts gives exactly what the writes kept."""

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kuzet.dashboard.facts import facts_catch_up, month_end, month_of, visit_facts_refresh
from kuzet.dashboard.models import (
    ItemCount,
    RecommendationCount,
    RecommendationFact,
    VisitCount,
    VisitFact,
)
from kuzet.dashboard.tests.tables import table
from kuzet.dashboard.views import CHARTED
from kuzet.field.tests.device import Device
from kuzet.field.tests.device import interview_record as field_interview
from kuzet.people.models import User
from kuzet.recommendations.models import Addressee, Recommendation
from kuzet.recommendations.services import (
    recommendation_assess,
    recommendation_record,
    visit_send,
)
from kuzet.visits.models import Interview, Visit
from kuzet.visits.services.findings import allegation_record
from kuzet.visits.services.interviews import interview_record
from kuzet.visits.services.lifecycle import visit_transition
from kuzet.visits.services.responses import response_save, response_start

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
S = Visit.Status
TEXT = "Обеспечить естественное освещение в камерах № 2 и № 5, заменив стеклоблоки окнами."
FACT_TABLES = [VisitFact, RecommendationFact, VisitCount, ItemCount, RecommendationCount]


def period(planned: Visit) -> dict[str, str]:
    """The month of the visit, as filters of the dashboard."""
    start = month_of(planned.planned_date)
    return {"start": start.isoformat(), "end": month_end(start).isoformat()}


def figures(client: Client, query: dict[str, str]) -> dict[str, Any]:
    return {key: table(client, key, **query) for key in CHARTED}


def fact_rows() -> dict[str, list[tuple[Any, ...]]]:
    rows = {}
    for model in FACT_TABLES:
        fields = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
        rows[model.__name__] = sorted(model.objects.values_list(*fields), key=repr)
    return rows


def test_every_service_write_is_counted_at_the_next_page_load(
    visit: Visit,
    leader: User,
    member: User,
    coordinator: User,
    secretariat: User,
    checklist: Any,
    client_for: Callable[[User], Client],
) -> None:
    client = client_for(secretariat)
    client.cookies["django_language"] = "en"
    query = period(visit)

    def headline() -> dict[str, Any]:
        return client.get("/dashboard/", query).context["headline"]  # type: ignore[no-any-return]

    # visit_plan (the fixture)
    assert (headline()["scheduled"], headline()["carried_out"]) == (1, 0)
    # visit_transition
    for status in (S.PREPARATION, S.IN_PROGRESS):
        visit = visit_transition(actor=leader, visit=visit, to_status=status)
    assert headline()["carried_out"] == 1
    assert table(client, "visits_by_status", **query)[str(S.IN_PROGRESS.label)] == ["1", "1"]
    # interview_record
    talk = interview_record(
        actor=member, visit=visit, kind=Interview.Kind.INDIVIDUAL, conducted_at=timezone.now(),
        person_code="A-01", consent_interview=True, reprisal_risk=Interview.Risk.HIGH,
        follow_up_on=visit.planned_date + timedelta(days=30),
    )  # fmt: skip
    interviews = table(client, "interviews", **query)
    assert interviews["interviews"] == ["1"]
    assert interviews["medium or high risk of reprisals"] == ["1"]
    # allegation_record
    assert talk.person is not None
    allegation_record(
        actor=member, visit=visit, person=talk.person, kind="reprisal",
        circumstances="Угрожали после прошлого посещения.", perpetrator="police", methods=["threats"],
    )  # fmt: skip
    assert headline()["allegations"] == {"ill": 0, "reprisal": 1}
    # response_save
    response = response_start(actor=leader, visit=visit, version=checklist)
    response_save(
        actor=leader, response=response, revision=0,
        answers={"population": 3, "force_register": "non_compliant", "force_details": "Нет"},
    )  # fmt: skip
    assert list(table(client, "noncompliant_items", **query).values()) == [["1", "1", "100"]]
    # recommendation_record, then recommendation_assess
    addressee = Addressee.objects.get(code="dept-mia-police")
    yesterday = timezone.localdate() - timedelta(days=1)
    recommendation = recommendation_record(
        actor=member, visit=visit, text_ru=TEXT, addressee=addressee,
        theme="material_conditions", deadline=yesterday,
    )  # fmt: skip
    # A draft until the report is sent: not counted as issued, nor as overdue.
    assert headline()["recommendations"] == {"total": 0, "overdue": 0}
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.APPROVED)  # (a shortcut)
    visit = visit_send(actor=secretariat, visit=visit)
    assert headline()["recommendations"] == {"total": 1, "overdue": 1}
    recommendation_assess(actor=coordinator, recommendation=recommendation, status="accepted")
    statuses = table(client, "recommendations_by_status", **query)
    assert statuses[str(Recommendation.Status.ACCEPTED.label)] == ["1"]
    assert statuses[str(Recommendation.Status.ISSUED.label)] == ["0"]
    assert headline()["recommendations"] == {"total": 1, "overdue": 1}
    trend = table(client, "trend_months", **query)
    assert list(trend.values()) == [["1", "1", "1", "1"]]


def test_an_interview_synced_from_a_tablet_is_counted_at_once(
    visit: Visit,
    member: User,
    secretariat: User,
    device_for: Callable[[User], Device],
    client_for: Callable[[User], Client],
) -> None:
    client = client_for(secretariat)
    client.cookies["django_language"] = "en"
    assert table(client, "interviews", **period(visit))["interviews"] == ["0"]
    reply = device_for(member).submit(field_interview(visit))
    assert reply.status_code == 201, reply.content
    interviews = table(client, "interviews", **period(visit))
    assert interviews["interviews"] == ["1"]
    assert interviews["the person fears reprisals"] == ["1"]


@pytest.mark.parametrize("january", [False, True], ids=["december", "january"])
def test_a_rebuild_gives_what_the_writes_kept(
    january: bool,
    visit: Visit,
    leader: User,
    member: User,
    coordinator: User,
    secretariat: User,
    checklist: Any,
    client_for: Callable[[User], Client],
) -> None:
    addressee = Addressee.objects.get(code="dept-mia-police")
    if january:  # a January row and its year's row start on the same day
        Visit.objects.filter(pk=visit.pk).update(planned_date=visit.planned_date.replace(month=1))
        visit.refresh_from_db()
        visit_facts_refresh(visit.pk)
    for status in (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED):
        visit = visit_transition(actor=leader, visit=visit, to_status=status)
    response = response_start(actor=leader, visit=visit, version=checklist)
    answers = {"population": 3, "force_register": "non_compliant", "force_details": "Нет"}
    response = response_save(actor=leader, response=response, answers=answers, revision=0)
    answers["force_register"] = "partly"  # changed: the old answer must not stay counted
    response_save(actor=leader, response=response, answers=answers, revision=1)
    for deadline in (None, timezone.localdate() - timedelta(days=3), visit.planned_date):
        recommendation = recommendation_record(
            actor=member, visit=visit, text_ru=TEXT, addressee=addressee,
            theme="material_conditions", deadline=deadline,
        )  # fmt: skip
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.APPROVED)  # (a shortcut)
    visit = visit_send(actor=secretariat, visit=visit)
    recommendation_assess(actor=coordinator, recommendation=recommendation, status="rejected")
    client = client_for(secretariat)
    client.cookies["django_language"] = "en"
    month = period(visit)
    year = visit.planned_date.year
    queries = [
        month,  # whole months: the monthly tables
        {**month, "start": (visit.planned_date - timedelta(days=40)).isoformat()},  # parts
        {**month, "region": str(visit.region_id)},  # a place: the place rows and facts
        {**month, "kind": visit.kind, "type": str(visit.institution.type_id)},
        # A whole year: the yearly rows; then a year, months on both sides and parts of months.
        {"start": f"{year}-01-01", "end": f"{year}-12-31"},
        {"start": f"{year - 1}-10-15", "end": f"{year + 1}-02-10", "region": str(visit.region_id)},
        {
            "start": f"{year - 1}-11-01",
            "end": f"{year + 1}-01-31",
            "type": str(visit.institution.type_id),
        },
    ]
    facts_catch_up()  # what a page does before counting
    kept = fact_rows()
    shown = [figures(client, q) for q in queries]
    assert kept["VisitCount"] and kept["ItemCount"] and kept["RecommendationCount"]

    call_command("rebuild_dashboard_facts", stdout=io.StringIO())

    assert fact_rows() == kept
    assert [figures(client, q) for q in queries] == shown
    # The parts of months (counted from the facts) agree with the whole months.
    month_row = shown[0]["trend_months"]
    assert shown[1].pop("trend_months").items() >= month_row.items()
    assert shown[1] == {k: v for k, v in shown[0].items() if k != "trend_months"}
    assert shown[0]["recommendations_by_status"]["overdue (open, deadline passed)"] == ["1"]
    # Longer periods count the same records (the visit is the only one), by month too.
    for longer, same_place in ((shown[4], shown[0]), (shown[5], shown[2]), (shown[6], shown[0])):
        trend = longer.pop("trend_months")
        assert {k: v for k, v in trend.items() if any(n != "0" for n in v)} == same_place[
            "trend_months"
        ]
        assert longer == {k: v for k, v in same_place.items() if k != "trend_months"}
    assert list(shown[0]["noncompliant_items"].values()) == []
