"""Copy detection against the database: texts are remembered by the services that save
them, and found again when another institution's report repeats them."""

import io
from collections.abc import Callable

import pytest

from kuzet.conftest import InstitutionFactory
from kuzet.people.models import User
from kuzet.quality.copies import find_copies, forget_text, remember_text
from kuzet.quality.models import TextFingerprint
from kuzet.recommendations.models import Addressee
from kuzet.recommendations.services import recommendation_record
from kuzet.visits.models import Finding, TeamMember, Visit
from kuzet.visits.services.findings import finding_record
from kuzet.visits.services.planning import TeamPlace, visit_plan

pytestmark = pytest.mark.django_db

FINDING = (
    "Начальник отряда Иванов пояснил, что осуждённых выводят в баню раз в 10 дней, а не "
    "еженедельно, из-за поломки водонагревателя, отмеченной в журнале заявок 4 ноября."
)
RECOMMENDATION = (
    "Установить в каждом отряде не менее одного таксофона на 30 осуждённых и обеспечить "
    "доступ к нему ежедневно с 9:00 до 21:00 без ограничения числа звонков."
)


@pytest.fixture
def other_visit(coordinator: User, leader: User, member: User) -> Visit:
    from datetime import date

    return visit_plan(
        actor=coordinator,
        institution=InstitutionFactory(name_ru="ИК-5"),
        planned_date=date(2026, 12, 2),
        team=[TeamPlace(leader, TeamMember.Role.LEADER), TeamPlace(member, TeamMember.Role.MEMBER)],
        objectives="Проверка",
    )


def record(visit: Visit, member: User, description: str) -> Finding:
    return finding_record(
        actor=member, visit=visit, theme="material_conditions", title="Баня",
        description=description, sources=["staff"], severity=Finding.Severity.MEDIUM,
    )  # fmt: skip


def test_a_finding_saved_by_the_service_is_found_again_from_another_institution(
    visit: Visit, other_visit: Visit, member: User
) -> None:
    finding = record(visit, member, FINDING)
    copy = FINDING.replace("Иванов", "Петров").replace("4 ноября", "9 ноября")
    (match,) = find_copies("finding", copy, exclude_institution_id=other_visit.institution_id)
    assert match.source == f"visits.finding:{finding.pk}"
    assert match.institution_id == visit.institution_id and match.similarity >= 88
    # Its own institution's texts are not copies; nor are texts of the other kind.
    assert find_copies("finding", copy, exclude_institution_id=visit.institution_id) == []
    assert find_copies("recommendation", copy, exclude_institution_id=None) == []


def test_a_different_text_on_the_same_subject_is_not_a_copy(
    visit: Visit, other_visit: Visit, member: User
) -> None:
    record(visit, member, FINDING)
    other = (
        "Со слов осуждённого К-4, 2 декабря в бане не было горячей воды, мылись холодной; "
        "в журнале заявок поломка водонагревателя отмечена 30 ноября."
    )
    assert find_copies("finding", other, exclude_institution_id=other_visit.institution_id) == []


def test_a_recommendation_linked_as_a_repeat_is_not_a_copy_of_the_one_it_repeats(
    visit: Visit, other_visit: Visit, member: User
) -> None:
    addressee = Addressee.objects.get(code="dept-mia-police")
    first = recommendation_record(
        actor=member, visit=visit, text_ru=RECOMMENDATION, text_kk="", addressee=addressee,
        theme="material_conditions",
    )  # fmt: skip
    repeat = recommendation_record(
        actor=member, visit=other_visit, text_ru=RECOMMENDATION, addressee=addressee,
        theme="material_conditions", repeats=first,
    )  # fmt: skip
    found = find_copies(
        "recommendation", repeat.text_ru, exclude_institution_id=other_visit.institution_id
    )
    assert [m.source for m in found] == [first.quality_source]
    assert repeat.repeated_sources() == {first.quality_source}
    assert (
        find_copies(
            "recommendation",
            repeat.text_ru,
            exclude_institution_id=other_visit.institution_id,
            exclude_sources=repeat.repeated_sources(),
        )
        == []
    )


def test_remember_replaces_and_forget_drops_a_text_and_its_parts() -> None:
    remember_text(kind="finding", source="visits.finding:1", text=FINDING, institution_id=1)
    remember_text(kind="finding", source="visits.finding:1", text=FINDING, institution_id=1)
    remember_text(
        kind="recommendation", source="recommendations.recommendation:1", text=RECOMMENDATION,
        institution_id=1,
    )  # fmt: skip
    remember_text(
        kind="recommendation", source="recommendations.recommendation:1/text_kk",
        text=RECOMMENDATION, institution_id=1,
    )  # fmt: skip
    assert TextFingerprint.objects.count() == 3
    assert find_copies("finding", FINDING, exclude_institution_id=2)
    forget_text("recommendations.recommendation:1")
    forget_text("visits.finding:1")
    assert TextFingerprint.objects.count() == 0
    assert find_copies("finding", FINDING, exclude_institution_id=2) == []


def test_a_text_too_short_to_be_a_copy_is_not_kept(make_user: Callable[..., User]) -> None:
    remember_text(
        kind="finding", source="visits.finding:9", text="Нарушений нет.", institution_id=1
    )
    assert not TextFingerprint.objects.exists()
    assert find_copies("finding", "Нарушений нет.", exclude_institution_id=None) == []


def test_the_review_panel_and_the_dashboard_see_the_later_of_two_near_copies_as_copied(
    visit: Visit, other_visit: Visit, member: User
) -> None:
    from kuzet.visits.services.quality import visit_quality_many

    original = record(visit, member, FINDING)
    copy = record(other_visit, member, FINDING.replace("Иванов", "Петров"))
    quality = visit_quality_many([visit.pk, other_visit.pk])
    copied = {t.pk for t in quality[other_visit.pk].weak if "copied" in {r.code for r in t.reasons}}
    # The later text copies the earlier institution's; the first is not a copy of anything.
    assert copied == {copy.pk}
    assert quality[other_visit.pk].copied == 1
    assert all("copied" not in {r.code for r in t.reasons} for t in quality[visit.pk].weak)
    assert TextFingerprint.objects.get(source=original.quality_source).copied_from == ""


def test_remember_texts_rebuilds_the_index_oldest_first_and_twice_the_same(
    visit: Visit, other_visit: Visit, member: User
) -> None:
    from django.core.management import call_command

    original = record(visit, member, FINDING)
    copy = record(other_visit, member, FINDING.replace("Иванов", "Петров"))
    TextFingerprint.objects.all().delete()  # as before copy detection existed
    for _run in range(2):
        call_command("remember_texts", stdout=io.StringIO())
        stored = dict(TextFingerprint.objects.values_list("source", "copied_from"))
        assert stored == {original.quality_source: "", copy.quality_source: original.quality_source}
