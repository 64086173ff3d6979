"""The pages of the visit workspace and the recommendation list run as many SQL queries for
a record of five items of each kind as for one: a query per row (N+1) fails here.

bench/visit_workspace.py measures the same pages on the demo data ×10, with times.
"""

import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.services import instrument_version_import, instrument_version_publish
from kuzet.instruments.tests.xlsforms import COMPLIANCE, xlsform
from kuzet.people.models import User
from kuzet.recommendations.models import Addressee
from kuzet.recommendations.services import recommendation_record, recommendation_update
from kuzet.visits.models import (
    Amendment,
    Finding,
    Interview,
    Response,
    ReviewComment,
    Section,
    StatusChange,
    TeamMember,
    Visit,
)
from kuzet.visits.services.findings import allegation_record, finding_record, finding_update
from kuzet.visits.services.interviews import interview_record, interview_update
from kuzet.visits.services.lifecycle import visit_times_set, visit_transition
from kuzet.visits.services.media import media_add
from kuzet.visits.services.planning import TeamPlace, visit_plan
from kuzet.visits.services.responses import response_save, response_start

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
LARGE = 5
FACTS = "В камере № {n} площадью 8 м² содержались шесть человек, спальных мест четыре."
ADVICE = "Начальнику учреждения обеспечить каждого в камере № {n} отдельным спальным местом."
PAGES = [
    "overview",
    "responses",
    "response",
    "interviews",
    "findings",
    "allegations",
    "media",
    "recommendations",
    "review",
    "recommendation list",
]


def png_bytes(seed: int, size: int = 8) -> bytes:
    rng = random.Random(seed)
    raw = b"".join(b"\x00" + rng.randbytes(size * 3) for _ in range(size))

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def published(secretariat: User, survey: list[list[str]], **settings: str) -> InstrumentVersion:
    outcome = instrument_version_import(
        data=xlsform(survey=survey, choices=COMPLIANCE, settings=settings), actor=secretariat
    )
    assert outcome.version is not None, outcome.errors
    return instrument_version_publish(version=outcome.version, actor=secretariat)


@dataclass
class Record:
    """A visit being drafted whose record grows one item of each kind at a time."""

    visit: Visit
    checklist: Response
    questionnaire: InstrumentVersion
    leader: User
    member: User
    coordinator: User
    items: int = 0

    def grow(self, to: int) -> None:
        addressee = Addressee.objects.filter(is_active=True).first()
        assert addressee is not None
        others = list(Addressee.objects.filter(is_active=True).exclude(pk=addressee.pk)[:LARGE])
        visit, leader = self.visit, self.leader
        for k in range(self.items + 1, to + 1):
            interview = interview_record(
                actor=leader, visit=visit, kind=Interview.Kind.INDIVIDUAL,
                conducted_at=timezone.now() - timedelta(hours=k), person_code=f"P-{k}",
                identity={"full_name": f"Задержанный {k}"}, consent_interview=True,
                consent_transmit=True, notes=f"Заметки {k}",
            )  # fmt: skip
            questionnaire = response_start(
                actor=leader, visit=visit, version=self.questionnaire, interview=interview
            )
            response_save(
                actor=leader, response=questionnaire, answers={"story": f"Рассказ {k}"}, revision=0
            )
            # The checklist's k-th compliance item becomes non-compliant, and a finding says why.
            checklist = Response.objects.get(pk=self.checklist.pk)
            answers = {f"c{i}": "non_compliant" for i in range(1, k + 1)}
            response_save(
                actor=leader, response=checklist, answers=answers, revision=checklist.revision
            )
            finding = finding_record(
                actor=leader, visit=visit, theme="material_conditions", title=f"Нарушение {k}",
                description=FACTS.format(n=k), sources=["observation"],
                severity=Finding.Severity.HIGH, interviews=[interview],
                items=[checklist.marks.get(path=f"c{k}")],
            )  # fmt: skip
            allegation_record(
                actor=leader, visit=visit, person=interview.person, kind="ill_treatment",
                circumstances="Со слов, при доставлении нанесли удары.", perpetrator="police",
                methods=["beating"],
            )  # fmt: skip
            media_add(
                actor=leader, visit=visit,
                upload=SimpleUploadedFile(f"{k}.png", png_bytes(k), content_type="image/png"),
                finding=finding, interview=interview if k % 2 == 0 else None,
                captured_at=timezone.now() - timedelta(minutes=k), device="Pixel 7",
            )  # fmt: skip
            recommendation = recommendation_record(
                actor=leader, visit=visit, text_ru=ADVICE.format(n=k), addressee=addressee,
                theme="material_conditions", deadline=timezone.localdate() - timedelta(days=k),
                findings=[finding],
            )  # fmt: skip
            # Corrections: the review tab shows each record's changes.
            finding_update(
                actor=leader, finding=finding, theme="material_conditions",
                title=f"Нарушение {k} (уточнено)", description=FACTS.format(n=k),
                sources=["observation", "staff"], severity=Finding.Severity.CRITICAL,
                interviews=[interview], items=list(finding.items.all()),
            )  # fmt: skip
            interview_update(
                actor=leader, interview=interview, kind=Interview.Kind.INDIVIDUAL,
                conducted_at=interview.conducted_at, consent_interview=True,
                consent_transmit=True, notes=f"Заметки {k}, уточнены",
                identity={"full_name": f"Задержанный {k}-й"},
            )  # fmt: skip
            recommendation_update(
                actor=leader, recommendation=recommendation, text_ru=ADVICE.format(n=k),
                addressee=others[k % len(others)], theme="material_conditions",
                deadline=timezone.localdate() + timedelta(days=k), findings=[finding],
            )  # fmt: skip
            # An earlier visit to the institution with a recommendation still open (overview).
            earlier = visit_plan(
                actor=self.coordinator, institution=visit.institution,
                planned_date=visit.planned_date - timedelta(days=30 * k),
                team=[TeamPlace(leader, TeamMember.Role.LEADER),
                      TeamPlace(self.member, TeamMember.Role.MEMBER)],
            )  # fmt: skip
            recommendation_record(
                actor=leader, visit=earlier, text_ru=ADVICE.format(n=k), addressee=addressee,
                theme="regime",
            )  # fmt: skip
            # Review comments (one resolved) and amendments on every section, and history.
            for section in Section.values:
                ReviewComment(
                    visit=visit, section=section, text=f"Замечание {k}", author=self.coordinator,
                    resolved_at=timezone.now() if k % 2 else None,
                    resolved_by=leader if k % 2 else None,
                ).save()  # fmt: skip
                Amendment(
                    visit=visit, section=section, text=f"Поправка {k}", reason="Уточнение",
                    author=leader,
                ).save()  # fmt: skip
            StatusChange(
                visit=visit, from_status="drafting", to_status="drafting", actor=self.coordinator,
                comment=f"Шаг {k}",
            ).save()  # fmt: skip
        self.items = to

    def url(self, page: str) -> str:
        if page == "recommendation list":
            return "/recommendations/"
        if page == "overview":
            return f"/visits/{self.visit.pk}/"
        if page == "response":
            return f"/visits/{self.visit.pk}/responses/{self.checklist.uuid}/"
        return f"/visits/{self.visit.pk}/{page}/"


@pytest.fixture
def record(
    visit: Visit,
    leader: User,
    member: User,
    coordinator: User,
    secretariat: User,
    settings: object,
    tmp_path: Path,
) -> Record:
    settings.MEDIA_ROOT = str(tmp_path / "media")  # type: ignore[attr-defined]
    compliance = [
        ["select_one compliance", f"c{i}", f"Пункт {i}", f"Тармақ {i}"] for i in range(1, 6)
    ]
    checklist = published(
        secretariat,
        [["begin group", "items", "Пункты", "Тармақтар"], *compliance, ["end group"]],
        form_id="query-checklist",
    )
    questionnaire = published(
        secretariat,
        [
            ["begin group", "talk", "Беседа", "Әңгіме"],
            ["text", "story", "Рассказ", "Әңгіме"],
            ["end group"],
        ],
        form_id="query-interview",
        kuzet_kind="interview",
        kuzet_institution_types="",
    )
    for status in ("preparation", "in_progress", "debriefed", "drafting"):
        visit = visit_transition(actor=leader, visit=visit, to_status=status)
    # The stay covers the interviews, which are an hour apart.
    visit = visit_times_set(
        actor=leader,
        visit=visit,
        started_at=timezone.now() - timedelta(hours=LARGE + 1),
        ended_at=timezone.now() - timedelta(minutes=1),
    )
    return Record(
        visit=visit,
        checklist=response_start(actor=leader, visit=visit, version=checklist),
        questionnaire=questionnaire,
        leader=leader,
        member=member,
        coordinator=coordinator,
    )


def count(client: Client, url: str) -> tuple[int, list[str]]:
    client.get(url)  # caches filled once (content types, translations) are not counted
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured), [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("persona", ["leader", "coordinator", "secretariat"])
@pytest.mark.parametrize("page", PAGES)
def test_a_page_runs_as_many_queries_for_five_items_as_for_one(
    record: Record,
    page: str,
    persona: str,
    request: pytest.FixtureRequest,
    client_for: Callable[[User], Client],
) -> None:
    # The team leader sees identities and may record; the region's coordinator is not on
    # the team (no identities, items linked to interviews hidden); the secretariat sees all.
    client = client_for(request.getfixturevalue(persona))
    record.grow(1)
    one, _ = count(client, record.url(page))
    record.grow(LARGE)
    five, sql = count(client, record.url(page))
    assert five == one, f"{page}: {one} queries with 1 item, {five} with {LARGE}:\n" + "\n".join(
        sql
    )
