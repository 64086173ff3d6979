"""Writes only mark what changed; the dashboard catches up from the marks before counting,
loses none written meanwhile, and recounts the visits of an institution that moved."""

import ast
import io
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kuzet.conftest import InstitutionFactory
from kuzet.core.policy import Role
from kuzet.dashboard import facts
from kuzet.dashboard.facts import facts_catch_up, month_end, month_of
from kuzet.dashboard.models import (
    ItemCount,
    RecommendationCount,
    RecommendationFact,
    VisitCount,
    VisitFact,
)
from kuzet.instruments.models import InstrumentVersion
from kuzet.people.models import User
from kuzet.recommendations.services import (
    recommendation_assess,
    recommendation_record,
    visit_send,
)
from kuzet.registry.models import Department, Institution, InstitutionChange
from kuzet.registry.services import institution_save
from kuzet.visits.models import Interview, TeamMember, Visit, VisitChange
from kuzet.visits.services.findings import allegation_record
from kuzet.visits.services.interviews import interview_record
from kuzet.visits.services.lifecycle import visit_transition
from kuzet.visits.services.planning import TeamPlace, visit_plan
from kuzet.visits.services.responses import response_save, response_start

pytestmark = pytest.mark.django_db
KUZET = Path(__file__).resolve().parents[2]
FACT_TABLES = [VisitFact, RecommendationFact, VisitCount, ItemCount, RecommendationCount]


@pytest.fixture
def leader(make_user: Callable[..., User]) -> User:
    return make_user(Role.GROUP_LEADER, username="catch-up-leader")


@pytest.fixture
def planned(coordinator: User, leader: User, participant: User) -> Visit:
    """A visit planned through the service, this month, led by ``leader``."""
    return visit_plan(
        actor=coordinator,
        institution=InstitutionFactory(name_ru="ИВС Медеуского района"),
        planned_date=timezone.localdate().replace(day=1),
        team=[
            TeamPlace(leader, TeamMember.Role.LEADER),
            TeamPlace(participant, TeamMember.Role.MEMBER),
        ],
        objectives="Условия содержания",
    )


def month(visit: Visit, **extra: str) -> dict[str, str]:
    start = month_of(visit.planned_date)
    return {"start": start.isoformat(), "end": month_end(start).isoformat(), **extra}


def fact_rows() -> dict[str, list[tuple[Any, ...]]]:
    rows = {}
    for model in FACT_TABLES:
        fields = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
        rows[model.__name__] = sorted(model.objects.values_list(*fields), key=repr)
    return rows


def headline(client: Client, query: dict[str, str]) -> dict[str, Any]:
    return client.get("/dashboard/", query).context["headline"]  # type: ignore[no-any-return]


@pytest.fixture
def published(version: InstrumentVersion) -> InstrumentVersion:
    """The test checklist, its document complete enough for a save's validation."""
    InstrumentVersion.objects.filter(pk=version.pk).update(
        document={**version.document, "choice_lists": {}}
    )
    return InstrumentVersion.objects.get(pk=version.pk)


def test_writes_mark_their_visit_and_touch_no_dashboard_table(
    planned: Visit,
    leader: User,
    coordinator: User,
    secretariat: User,
    published: InstrumentVersion,
    addressee: Any,
) -> None:
    facts_catch_up()
    with CaptureQueriesContext(connection) as queries:
        visit = visit_transition(actor=leader, visit=planned, to_status=Visit.Status.PREPARATION)
        visit = visit_transition(actor=leader, visit=visit, to_status=Visit.Status.IN_PROGRESS)
        talk = interview_record(
            actor=leader, visit=visit, kind=Interview.Kind.INDIVIDUAL,
            conducted_at=timezone.now(), person_code="A-01", consent_interview=True,
            reprisal_risk=Interview.Risk.LOW,
        )  # fmt: skip
        assert talk.person is not None
        allegation_record(
            actor=leader, visit=visit, person=talk.person, kind="ill_treatment",
            circumstances="Со слов, при доставлении ударили.", perpetrator="police",
            methods=["beating"],
        )  # fmt: skip
        response = response_start(actor=leader, visit=visit, version=published)
        response_save(
            actor=leader, response=response, answers={"light": "non_compliant"}, revision=0
        )
        recommendation = recommendation_record(
            actor=leader, visit=visit, text_ru="Обеспечить дневной свет во всех камерах.",
            addressee=addressee, theme="material_conditions",
        )  # fmt: skip
        Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.APPROVED)  # (a shortcut)
        visit = visit_send(actor=secretariat, visit=visit)
        recommendation_assess(actor=coordinator, recommendation=recommendation, status="accepted")

    assert queries.captured_queries
    assert [q["sql"] for q in queries.captured_queries if "dashboard_" in q["sql"]] == []
    # Seven writes, one mark: an upsert, not a row per write.
    assert list(VisitChange.objects.values_list("visit_id", flat=True)) == [visit.pk]


def test_a_draft_save_marks_its_visit_only_when_a_checklist_answer_changed(
    planned: Visit, leader: User, published: InstrumentVersion
) -> None:
    visit = visit_transition(actor=leader, visit=planned, to_status=Visit.Status.PREPARATION)
    visit = visit_transition(actor=leader, visit=visit, to_status=Visit.Status.IN_PROGRESS)
    response = response_start(actor=leader, visit=visit, version=published)
    answers = {"light": "non_compliant"}
    response = response_save(actor=leader, response=response, answers=answers, revision=0)
    facts_catch_up()

    response = response_save(actor=leader, response=response, answers=answers, revision=1)
    assert not VisitChange.objects.exists()  # nothing counted changed: nothing to recount
    answers = {"light": "non_compliant", "water": "compliant"}
    response_save(actor=leader, response=response, answers=answers, revision=2)
    assert VisitChange.objects.filter(visit_id=visit.pk).exists()


def test_the_next_page_load_counts_a_marked_write_and_clears_its_mark(
    planned: Visit, leader: User, secretariat: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(secretariat)
    assert headline(client, month(planned))["carried_out"] == 0
    assert not VisitChange.objects.exists()

    visit = visit_transition(actor=leader, visit=planned, to_status=Visit.Status.PREPARATION)
    visit = visit_transition(actor=leader, visit=visit, to_status=Visit.Status.IN_PROGRESS)
    assert VisitChange.objects.filter(visit_id=visit.pk).exists()
    assert VisitFact.objects.get(pk=visit.pk).carried_out is False  # not yet: only marked

    assert headline(client, month(visit))["carried_out"] == 1
    assert not VisitChange.objects.exists()


@pytest.mark.parametrize(
    "url", ["/dashboard/visits/", "/dashboard/data/visits_by_status.csv", "/dashboard/planning/"]
)
def test_every_counting_page_catches_up_first(
    url: str, planned: Visit, leader: User, secretariat: User, client_for: Callable[[User], Client]
) -> None:
    visit_transition(actor=leader, visit=planned, to_status=Visit.Status.PREPARATION)
    assert VisitChange.objects.exists()
    assert client_for(secretariat).get(url).status_code == 200
    assert not VisitChange.objects.exists()
    assert VisitFact.objects.get(pk=planned.pk).status == Visit.Status.PREPARATION


def test_a_catch_up_with_nothing_marked_is_one_query(
    planned: Visit, django_assert_num_queries: Any
) -> None:
    facts_catch_up()
    with django_assert_num_queries(1):
        assert facts_catch_up() == 0


def test_a_mark_written_while_catching_up_is_not_lost(
    planned: Visit, leader: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write committed while its visit is being recounted re-marks it (a new token): the
    catch-up deletes only the mark it read, so the next one counts that write."""
    refresh = facts.visit_facts_refresh
    written: list[Visit] = []

    def refresh_with_a_write_meanwhile(visit_id: int, quality: Any = None) -> None:
        refresh(visit_id, quality)
        if not written:
            visit = Visit.objects.get(pk=visit_id)
            written.append(
                visit_transition(actor=leader, visit=visit, to_status=Visit.Status.PREPARATION)
            )

    monkeypatch.setattr(facts, "visit_facts_refresh", refresh_with_a_write_meanwhile)
    assert facts_catch_up() == 1
    assert written
    assert VisitChange.objects.filter(visit_id=planned.pk).exists()
    assert VisitFact.objects.get(pk=planned.pk).status == Visit.Status.PLANNED

    monkeypatch.setattr(facts, "visit_facts_refresh", refresh)
    assert facts_catch_up() == 1
    assert not VisitChange.objects.exists()
    assert VisitFact.objects.get(pk=planned.pk).status == Visit.Status.PREPARATION


def test_an_institution_moved_to_another_department_is_counted_under_it(
    make_visit: Callable[..., Visit],
    make_interview: Callable[..., Interview],
    answer: Callable[..., Any],
    recommend: Callable[..., Any],
    secretariat: User,
    client_for: Callable[[User], Client],
) -> None:
    institution = InstitutionFactory(name_ru="ИВС Бостандыкского района")
    day = date(timezone.localdate().year, 3, 10)
    visits = [make_visit(institution, day), make_visit(institution, day - timedelta(days=400))]
    make_interview(visits[0], "A-01")
    answer(visits[0], light="non_compliant", water="compliant")
    recommend(visits[1], status="issued", deadline=day)
    old = institution.department
    new = Department.objects.exclude(pk=old.pk).first()
    assert new is not None
    client = client_for(secretariat)
    year = {"start": f"{day.year}-01-01", "end": f"{day.year}-12-31"}
    assert headline(client, {**year, "department": str(old.pk)})["carried_out"] == 1
    assert headline(client, {**year, "department": str(new.pk)})["carried_out"] == 0

    institution.department = new
    institution_save(institution=institution)
    assert InstitutionChange.objects.filter(institution_id=institution.pk).exists()

    assert headline(client, {**year, "department": str(new.pk)})["carried_out"] == 1
    assert headline(client, {**year, "department": str(old.pk)})["carried_out"] == 0
    assert not InstitutionChange.objects.exists()
    caught_up = fact_rows()
    call_command("rebuild_dashboard_facts", stdout=io.StringIO())
    assert fact_rows() == caught_up


def test_saving_an_institution_in_the_same_place_leaves_no_mark(db: Any) -> None:
    institution: Institution = InstitutionFactory()
    institution.capacity = 60
    institution_save(institution=institution)
    assert not InstitutionChange.objects.exists()


def test_the_command_catches_up(planned: Visit, leader: User) -> None:
    visit_transition(actor=leader, visit=planned, to_status=Visit.Status.PREPARATION)
    out = io.StringIO()
    call_command("catch_up_dashboard_facts", stdout=out)
    assert "1 visits recounted" in out.getvalue()
    assert VisitFact.objects.get(pk=planned.pk).status == Visit.Status.PREPARATION


@pytest.mark.parametrize("app", ["visits", "recommendations", "registry"])
def test_no_writing_app_imports_the_dashboard(app: str) -> None:
    importing = []
    for path in (KUZET / app).rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            if any(name.startswith("kuzet.dashboard") for name in names):
                importing.append(str(path.relative_to(KUZET)))
    assert importing == []
