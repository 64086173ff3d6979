"""The instrument preview says its conditions in words (ru/kk), not as XLSForm expressions;
a shape it cannot say is shown as the expression itself."""

from collections.abc import Callable

import pytest
from django.test import Client

from kuzet.instruments.services import instrument_version_import
from kuzet.instruments.tests.xlsforms import GOOD_SURVEY, xlsform
from kuzet.instruments.wording import Names, describe
from kuzet.people.models import User
from kuzet.registry.models import Norm

pytestmark = pytest.mark.django_db

SURVEY = [
    *GOOD_SURVEY[:5],
    ["integer", "children", "Детей на момент посещения", "Бару кезіндегі балалар", "", "", ". >= 0"],
    ["integer", "children_fed", "Из них получили питание", "Оның ішінде тамақ алғандар", "", "${children} > 0", ". >= 0 and . <= ${children}"],
    *GOOD_SURVEY[5:],
]  # fmt: skip


def preview(client: Client, language: str) -> str:
    response = client.get(
        f"/instruments/test-checklist/v1/?lang={language}", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_preview_says_conditions_in_russian_and_kazakh(
    secretariat: User, client_for: Callable[[User], Client]
) -> None:
    Norm.objects.get_or_create(code="UN-SMR-13", defaults={"title_ru": "Размещение"})
    outcome = instrument_version_import(data=xlsform(survey=SURVEY), actor=secretariat)
    assert outcome.version is not None, outcome.errors
    client = client_for(secretariat)

    ru = preview(client, "ru")
    assert "ответ от 0 до «Детей на момент посещения»" in ru
    assert "«Детей на момент посещения» больше, чем 0" in ru
    assert (
        "«Ведётся журнал применения силы»: выбрано «Не соответствует» или "
        "«Ведётся журнал применения силы»: выбрано «Частично соответствует»" in ru
    )
    assert "ответ от 0 до 5000" in ru
    # The expression itself stays at hand for whoever wrote the form (as the tooltip).
    assert 'title=". &gt;= 0 and . &lt;= ${children}"' in ru
    assert "<code>. &gt;= 0 and . &lt;= ${children}</code>" not in ru

    kk = preview(client, "kk")
    assert "жауап: 0 мен «Бару кезіндегі балалар» аралығында" in kk
    assert "«Күш қолдану журналы жүргізіледі»: «Сәйкес келмейді» таңдалған немесе" in kk


def test_a_shape_without_words_is_shown_as_the_expression() -> None:
    names = Names({"sections": [{"items": [{"name": "a", "label": {"ru": "А"}}]}]}, "ru")
    assert describe(["=", ["ref", "a"], "x"], names) == "«А» — «x»"
    # An unknown question or operator: no words, the page shows the expression as code.
    assert describe(["=", ["ref", "missing"], 1], names) is None
    assert describe(["regex", ["ref", "a"], "^x"], names) is None
    assert describe(None, names) is None
