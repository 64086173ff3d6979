"""An approved visit with a full record, built through the services, for the report tests.

It holds what the external edition must never show: a coded person's full name and cell,
and what a person said without agreeing to be quoted (``SECRET_QUOTE``).
"""

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from kuzet.instruments.models import InstrumentVersion
from kuzet.people.models import User
from kuzet.recommendations.models import Addressee, Recommendation
from kuzet.recommendations.services import recommendation_record
from kuzet.visits.models import ComplianceMark, TeamMember, Visit
from kuzet.visits.services.findings import allegation_record, finding_record
from kuzet.visits.services.interviews import interview_record
from kuzet.visits.services.lifecycle import visit_times_set, visit_transition
from kuzet.visits.services.planning import TeamPlace, visit_plan
from kuzet.visits.services.responses import response_save, response_start
from kuzet.visits.services.review import amendment_add

S = Visit.Status
FULL_NAME = "Жаксылыков Ерболат Нурланович"
CELL = "Камера 7-Щ"
SECRET_QUOTE = "Ночью дежурный бил меня дубинкой по спине в коридоре у душевой"
CONSENTED_QUOTE = "Мне три дня не давали позвонить жене, хотя я просил каждый день"
KAZAKH_FINDING = (
    "Әйелдер камерасында терезе жоқ, қабырғалар ылғал, желдету жұмыс істемейді; "
    "ұсталғандар күндізгі жарықты көрмейді, төсек-орын саны үшеуге ғана жетеді, "
    "ал онда бесеу ұсталуда; һаммам жоқ."
)
KAZAKH_LETTERS = "әғқңөұүһі"


@pytest.fixture(autouse=True)
def messages_in_english(in_english: None) -> None:
    """Messages are asserted in English here."""


@pytest.fixture(autouse=True)
def tasks_run_at_once() -> Iterator[None]:
    """Reports are generated in the request here; one test runs the real worker."""
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ):
        yield


@pytest.fixture(autouse=True)
def media_in_tmp(tmp_path: Any, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AUDIT_ANCHOR_FILE = tmp_path / "audit-anchors.jsonl"


@pytest.fixture
def english_client_for(client_for: Callable[[User], Client]) -> Callable[[User], Client]:
    def english(user: User) -> Client:
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return english


def to_drafting(visit: Visit, actor: User) -> Visit:
    for status in (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING):
        visit = visit_transition(actor=actor, visit=visit, to_status=status)
    return visit


@pytest.fixture
def addressee(db: Any) -> Addressee:
    return Addressee.objects.get(code="dept-mia-police")


def record_visit(
    *, visit: Visit, leader: User, checklist: InstrumentVersion, addressee: Addressee
) -> Visit:
    """Fill a visit's record the way a team does, up to "report drafting"."""
    visit = to_drafting(visit, leader)
    now = timezone.now()
    visit_times_set(
        actor=leader,
        visit=visit,
        started_at=now - timedelta(hours=5),
        ended_at=now - timedelta(hours=1),
    )
    beaten = interview_record(
        actor=leader,
        visit=visit,
        kind="individual",
        conducted_at=now - timedelta(hours=4),
        person_code="A-01",
        identity={"full_name": FULL_NAME, "cell": CELL, "birth_date": "1990-04-02"},
        consent_interview=True,
        consent_transmit=True,
        reprisal_risk="high",
        follow_up_on=date(2027, 1, 15),
        notes="Заметки интервью: только для команды",
    )
    quoted = interview_record(
        actor=leader,
        visit=visit,
        kind="individual",
        conducted_at=now - timedelta(hours=3),
        person_code="B-02",
        consent_interview=True,
        consent_quote=True,
    )
    allegation_record(
        actor=leader,
        visit=visit,
        person=beaten.person,  # type: ignore[arg-type]
        kind="ill_treatment",
        circumstances=SECRET_QUOTE,
        perpetrator="police",
        methods=["beating"],
        consent_transmit=True,
        referral="prosecutor",
        place="Коридор у душевой",
    )
    allegation_record(
        actor=leader,
        visit=visit,
        person=quoted.person,  # type: ignore[arg-type]
        kind="reprisal",
        circumstances=CONSENTED_QUOTE,
        perpetrator="police",
        methods=["deprivation"],
    )
    response = response_start(actor=leader, visit=visit, version=checklist)
    response_save(
        actor=leader,
        response=response,
        answers={"population": 4, "force_register": "non_compliant", "force_details": "Нет"},
        revision=0,
    )
    register = finding_record(
        actor=leader,
        visit=visit,
        theme="safeguards",
        title="Журнал применения силы не ведётся",
        description="С марта записи о применении силы и спецсредств в журнал не вносятся вообще.",
        sources=["documents", "detainees"],
        severity="high",
        items=list(ComplianceMark.objects.filter(response=response, value="non_compliant")),
        interviews=[beaten],
    )
    cells = finding_record(
        actor=leader,
        visit=visit,
        theme="material_conditions",
        title="Әйелдер камерасында терезе жоқ",
        description=KAZAKH_FINDING,
        sources=["observation"],
        severity="medium",
    )
    finding_record(
        actor=leader,
        visit=visit,
        theme="health_care",
        title="Медицинский осмотр при поступлении",
        description="Каждого поступившего осматривает фельдшер, травмы фиксируются в журнале с фотографиями.",
        sources=["documents", "observation"],
        good_practice=True,
    )
    finding_record(
        actor=leader,
        visit=visit,
        theme="access",
        title="Не выдали журнал дисциплинарных взысканий",
        description="Дежурный отказался показать журнал дисциплинарных взысканий без письменного разрешения начальника.",
        sources=["observation"],
        severity="medium",
        obstacle="documents_refused",
        no_recommendation_reason="Вопрос будет поднят в сводном докладе",
    )
    recommendation_record(
        actor=leader,
        visit=visit,
        text_ru="Начать вести журнал применения силы и ежемесячно проверять его записи прокурором.",
        text_kk="Күш қолдану журналын жүргізуді бастап, оны прокурор ай сайын тексерсін.",
        addressee=addressee,
        theme="safeguards",
        priority="high",
        deadline=date(2027, 3, 1),
        findings=[register],
    )
    recommendation_record(
        actor=leader,
        visit=visit,
        text_ru="Оборудовать окна и вентиляцию в женской камере до начала отопительного сезона.",
        addressee=addressee,
        theme="material_conditions",
        level=Recommendation.Level.DEPARTMENT,
        findings=[cells],
    )
    return visit


def approve(visit: Visit, leader: User, reviewer: User) -> Visit:
    visit = visit_transition(actor=leader, visit=visit, to_status=S.UNDER_REVIEW)
    # Approved over whatever quality warnings the sample record has, with a reason.
    return visit_transition(
        actor=reviewer, visit=visit, to_status=S.APPROVED, comment="Проверено рецензентом"
    )


@pytest.fixture
def drafted_visit(
    visit: Visit,
    leader: User,
    coordinator: User,
    checklist: InstrumentVersion,
    addressee: Addressee,
) -> Visit:
    # An earlier visit to the same place, with a recommendation the report follows up.
    earlier = visit_plan(
        actor=coordinator,
        institution=visit.institution,
        planned_date=date(2025, 5, 20),
        team=[TeamPlace(leader, TeamMember.Role.LEADER)]
        + [TeamPlace(m.user, m.role) for m in visit.team.exclude(user=leader)],
    )
    earlier = to_drafting(earlier, leader)
    recommendation_record(
        actor=leader,
        visit=earlier,
        text_ru="Обеспечить ежедневные прогулки не менее одного часа для всех содержащихся.",
        addressee=addressee,
        theme="regime",
    )
    return record_visit(visit=visit, leader=leader, checklist=checklist, addressee=addressee)


@pytest.fixture
def approved_visit(drafted_visit: Visit, leader: User, coordinator: User, member: User) -> Visit:
    visit = approve(drafted_visit, leader, coordinator)
    amendment_add(
        actor=member,
        visit=visit,
        section="findings",
        text="В камере 4 содержалось 6 человек, а не 5.",
        reason="Опечатка в записи",
    )
    return visit
