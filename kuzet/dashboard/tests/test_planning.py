"""Visit planning: the priority score and its reasons, the plan, the weights, plan against actual."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone, translation

from kuzet.conftest import InstitutionFactory
from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.dashboard.models import PlanEntry, PriorityWeights
from kuzet.dashboard.priorities import reasons, suggestions
from kuzet.dashboard.tests.conftest import in_this_year
from kuzet.people.models import User
from kuzet.recommendations.models import Recommendation
from kuzet.registry.models import Institution, InstitutionType, Region
from kuzet.visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(own_region: Region) -> dict[str, Institution]:
    today = timezone.localdate()
    social = InstitutionType.objects.get(code="medical-social")
    return {
        # Visited last month, low-risk type, not overcrowded: little reason to go back.
        "calm": InstitutionFactory(region=own_region, type=social, department=social.department,
                                   last_visited_on=today - timedelta(days=30)),
        # Police custody (high-risk type), never visited, overcrowded.
        "urgent": InstitutionFactory(region=own_region, last_visited_on=None, capacity=20,
                                     population=30),
        # Visited two years ago, with an overdue recommendation.
        "overdue": InstitutionFactory(region=own_region, type=social, department=social.department,
                                      last_visited_on=today - timedelta(days=730)),
    }  # fmt: skip


def test_suggestions_rank_by_score_and_show_every_reason(
    places: dict[str, Institution],
    coordinator: User,
    client_for: Callable[[User], Client],
    make_visit: Callable[..., Visit],
    recommend: Callable[..., Recommendation],
) -> None:
    today = timezone.localdate()
    old_visit = make_visit(places["overdue"], today - timedelta(days=730))
    recommend(old_visit, Recommendation.Status.ACCEPTED, deadline=today - timedelta(days=100))
    client = client_for(coordinator)
    client.cookies["django_language"] = "en"
    response = client.get("/dashboard/planning/")
    assert response.status_code == 200
    ranked = response.context["suggestions"]
    order = [i.pk for i, _reasons in ranked]
    assert order == [places["urgent"].pk, places["overdue"].pk, places["calm"].pk]
    w = PriorityWeights.current()
    urgent, reasons = ranked[0]
    # never visited + 50 % above capacity (5 steps of 10 %) + high-risk type
    assert urgent.score == w.never_visited + 5 * w.per_10_percent_overcrowding + w.high_risk_type
    assert sum(r.points for r in reasons) == urgent.score
    texts = " ".join(r.text for r in reasons)
    assert "never visited" in texts and "population 30 for 20 places" in texts
    overdue, reasons = ranked[1]
    assert overdue.score == (
        730 * w.per_year_without_visit // 365
        + w.per_open_recommendation
        + w.per_overdue_recommendation
    )
    assert {r.text for r in reasons} >= {"1 open recommendation", "1 overdue recommendation"}


def test_coordinator_builds_their_regions_plan_audited_and_sees_plan_against_actual(
    places: dict[str, Institution],
    coordinator: User,
    client_for: Callable[[User], Client],
    make_visit: Callable[..., Visit],
    make_user: Callable[..., User],
) -> None:
    client = client_for(coordinator)
    client.cookies["django_language"] = "en"
    leader = make_user(Role.GROUP_LEADER)
    year = timezone.localdate().year
    before = AuditEvent.objects.count()
    for place, month in (("urgent", 3), ("overdue", 4)):
        response = client.post(
            f"/dashboard/planning/?year={year}",
            {
                "institution": places[place].pk,
                "month": month,
                "leader": leader.pk,
                "team_note": "+1",
            },
        )
        assert response.status_code == 302
    assert PlanEntry.objects.count() == 2
    assert AuditEvent.objects.count() > before
    entry = PlanEntry.objects.get(institution=places["urgent"])
    assert entry.score > 0 and "never visited" in entry.reasons
    make_visit(places["urgent"], in_this_year(3, 15), Visit.Status.CLOSED)
    page = client.get("/dashboard/planning/", {"year": year})
    entries = {e.institution_id: e for e in page.context["entries"]}
    assert entries[places["urgent"].pk].carried_out
    assert not entries[places["overdue"].pk].scheduled
    march = page.context["months"][2]
    assert (march["planned"], march["carried_out"], march["all_carried_out"]) == (1, 1, 1)
    assert page.context["totals"]["planned"] == 2
    # Planned institutions are no longer suggested.
    assert [i.pk for i, _r in page.context["suggestions"]] == [places["calm"].pk]
    # The plan counts on the dashboard's visits-against-plan figure.
    dashboard = client.get("/dashboard/")
    assert dashboard.context["headline"]["planned"] == 2


def test_nobody_plans_in_another_region(
    other_region: Region,
    coordinator: User,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    theirs = InstitutionFactory(region=other_region)
    client = client_for(coordinator)
    # The coordinator's region is used instead of the one asked for; the institution is not in it.
    client.post(
        f"/dashboard/planning/?region={other_region.pk}", {"institution": theirs.pk, "month": 1}
    )
    assert not PlanEntry.objects.exists()
    auditor = client_for(make_user(Role.AUDITOR))
    page = auditor.get("/dashboard/planning/", {"region": other_region.pk})
    assert page.status_code == 200 and page.context["can_plan"] is False
    assert auditor.post(f"/dashboard/planning/?region={other_region.pk}",
                        {"institution": theirs.pk, "month": 1}).status_code == 403  # fmt: skip


def test_only_the_secretariat_edits_the_weights_and_the_change_is_audited(
    places: dict[str, Institution],
    secretariat: User,
    coordinator: User,
    client_for: Callable[[User], Client],
) -> None:
    values = {
        name: 0 for name in PriorityWeights().__dict__ if name.startswith(("per_", "never", "high"))
    }
    values["never_visited"] = 500
    assert client_for(coordinator).post("/dashboard/weights/", values).status_code == 403
    assert client_for(coordinator).get("/dashboard/weights/").status_code == 200
    before = AuditEvent.objects.filter(object_type__contains="priorityweights").count()
    assert client_for(secretariat).post("/dashboard/weights/", values).status_code == 302
    assert PriorityWeights.objects.get().never_visited == 500
    assert AuditEvent.objects.filter(object_type__contains="priorityweights").count() == before + 1
    ranked = client_for(coordinator).get("/dashboard/planning/").context["suggestions"]
    assert (ranked[0][0].pk, ranked[0][0].score) == (places["urgent"].pk, 500)
    assert all(i.score == 0 for i, _r in ranked[1:])


def test_scale_data_refuses_a_production_database(settings: Any) -> None:
    settings.DEMO = False
    with pytest.raises(CommandError, match="demo"):
        call_command("generate_scale_data", institutions=1, visits=1, answers=1, recommendations=1)


@pytest.mark.slow
def test_scale_data_builds_the_sizes_asked_for_marked_synthetic(settings: Any) -> None:
    from kuzet.visits.models import ComplianceMark

    call_command("load_library", verbosity=0)
    call_command(
        "generate_scale_data",
        institutions=200,
        visits=1500,
        answers=4000,
        recommendations=900,
        years=3,
        seed=5,
        i_know_this_is_not_production=True,
        stdout=None,
    )
    synthetic = Institution.objects.filter(name_ru__endswith="(синтетика)")
    assert synthetic.count() == 200 and not synthetic.filter(is_demo=False).exists()
    assert Visit.objects.count() == 1500
    assert ComplianceMark.objects.count() == 4000
    assert Recommendation.objects.count() == 900
    assert not AuditEvent.objects.filter(object_type__contains="visit").exists()
    # last_visited_on agrees with the visits carried out
    sample = synthetic.exclude(last_visited_on=None).first()
    assert sample is not None
    latest = Visit.objects.filter(institution=sample, started_at__isnull=False).latest(
        "planned_date"
    )
    assert sample.last_visited_on == latest.planned_date


def test_allegations_reprisal_risks_and_vulnerable_people_of_the_last_three_years_count(
    places: dict[str, Institution],
    coordinator: User,
    make_visit: Callable[..., Visit],
    make_interview: Callable[..., Any],
    make_allegation: Callable[..., Any],
) -> None:
    today = timezone.localdate()
    calm = places["calm"]
    recent = make_visit(calm, today - timedelta(days=30))
    met = make_interview(
        recent, "P-1", vulnerabilities=["disability"], reprisal_risk="high",
        follow_up_on=today + timedelta(days=7),
    )  # fmt: skip
    make_allegation(met, "ill_treatment")
    make_allegation(met, "reprisal")
    make_interview(recent, "P-2", vulnerabilities=["minor"])
    # Four years ago: outside the three years, not counted.
    old = make_visit(calm, today - timedelta(days=4 * 365))
    make_allegation(make_interview(old, "P-3", vulnerabilities=["minor"]), "ill_treatment")

    ranked = suggestions(region=calm.region, year=today.year, today=today, only=calm.pk)

    assert len(ranked) == 1
    scored = ranked[0]
    assert (scored.ill, scored.reprisal, scored.at_risk, scored.vulnerable) == (1, 1, 1, 2)
    w = PriorityWeights.current()
    assert scored.p_ill == w.per_ill_treatment_allegation
    assert scored.p_vulnerable == 2 * w.per_vulnerable_person
    assert sum(r.points for r in reasons(scored)) == scored.score
    with translation.override("en"):
        texts = {r.text for r in reasons(scored)}
    assert "1 allegation of ill-treatment (3 years)" in texts
    assert "2 interviewed people of vulnerable groups (3 years)" in texts
