"""The text rules where findings and recommendations are saved: the minimum length blocks,
every other reason is a warning unless the secretariat made its code blocking."""

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from kuzet.people.models import User
from kuzet.quality.judging import blocking_codes
from kuzet.quality.models import QualitySettings
from kuzet.recommendations.models import Addressee
from kuzet.recommendations.services import recommendation_record
from kuzet.visits.models import Finding, Visit
from kuzet.visits.services.findings import finding_record

pytestmark = pytest.mark.django_db
STOCK = (
    "Условия содержания в целом соответствуют требованиям законодательства, нарушений не выявлено."
)
VAGUE = "Принять меры по улучшению условий содержания в учреждении."


def record(visit: Visit, member: User, description: str) -> Finding:
    return finding_record(
        actor=member, visit=visit, theme="material_conditions", title="Условия",
        description=description, sources=["observation"], severity=Finding.Severity.LOW,
    )  # fmt: skip


def test_no_code_blocks_by_default_and_a_standard_answer_is_saved_with_a_warning(
    visit: Visit, member: User
) -> None:
    assert blocking_codes() == frozenset()
    finding = record(visit, member, STOCK)
    assert [r.code for r in finding.text_warnings()] == ["standard_answer"]


def test_the_minimum_length_still_blocks(visit: Visit, member: User, in_english: None) -> None:
    with pytest.raises(ValidationError, match="at least 8 words"):
        record(visit, member, "Нарушений не выявлено.")


def test_a_code_the_secretariat_made_blocking_refuses_the_text_with_what_to_add(
    visit: Visit, member: User, in_english: None
) -> None:
    QualitySettings.objects.create(pk=1, blocking=["standard_answer", "vague_recommendation"])
    with pytest.raises(ValidationError) as refused:
        record(visit, member, STOCK)
    assert "which cell or room" in str(refused.value.message_dict["description"])
    assert not Finding.objects.exists()
    with pytest.raises(ValidationError) as refused:
        recommendation_record(
            actor=member, visit=visit, text_ru=VAGUE,
            addressee=Addressee.objects.get(code="dept-mia-police"), theme="material_conditions",
        )  # fmt: skip
    assert "text_ru" in refused.value.message_dict


def test_a_recommendations_kazakh_text_is_judged_too(
    visit: Visit, member: User, in_english: None
) -> None:
    recommendation = recommendation_record(
        actor=member, visit=visit,
        text_ru="Установить в камерах № 3–7 окна с открывающимися створками до 1 июня 2026 года.",
        text_kk="Ұстау жағдайларын жақсарту бойынша шаралар қабылдансын.",
        addressee=Addressee.objects.get(code="dept-mia-police"), theme="material_conditions",
    )  # fmt: skip
    (warning,) = recommendation.text_warnings()
    assert warning.code == "vague_recommendation" and warning.message.startswith("Kazakh text:")


def test_the_web_form_saves_a_weak_finding_and_says_what_to_add(
    visit: Visit, member: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(member).post(
        f"/visits/{visit.pk}/findings/new/",
        {"theme": "material_conditions", "title": "Условия", "description": STOCK,
         "sources": ["observation"], "severity": "low"},
        HTTP_ACCEPT_LANGUAGE="en", follow=True,
    )  # fmt: skip
    assert response.status_code == 200 and Finding.objects.count() == 1
    page = response.content.decode()
    assert "The finding is recorded" in page and "A standard answer" in page


@pytest.mark.parametrize(
    "description",
    [
        "В камере № 12 содержатся 6 человек, окно не открывается, нарушений не выявлено. " * 1300,
        "<script>alert(1)</script><p>Нарушений <b>не</b> выявлено</p> 😀 " * 3,
        "Камерада 6 адам, терезе жоқ; в камере № 7 шесть человек; cell 7: six men on 4 beds 🙁.",
    ],
)
def test_odd_texts_through_the_web_form_are_saved_or_refused_never_an_error(
    visit: Visit, member: User, client_for: Callable[[User], Client], description: str
) -> None:
    response = client_for(member).post(
        f"/visits/{visit.pk}/findings/new/",
        {"theme": "material_conditions", "title": "Условия", "description": description,
         "sources": ["observation"], "severity": "low"},
    )  # fmt: skip
    assert response.status_code in (302, 422)
    if response.status_code == 302:
        (finding,) = Finding.objects.all()
        assert finding.description == description.strip()
