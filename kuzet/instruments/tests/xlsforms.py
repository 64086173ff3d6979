"""Building small XLSForm workbooks for tests, and publishing the test checklist."""

import io
from typing import Any

from openpyxl import Workbook

from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.services import instrument_version_import, instrument_version_publish
from kuzet.people.models import User
from kuzet.registry.models import Norm

RU, KK = "label::Русский (ru)", "label::Қазақша (kk)"
SURVEY_HEADER = ["type", "name", RU, KK, "required", "relevant", "constraint", "appearance", "kuzet_norms",
                 "kuzet_finding_required", "constraint_message::Русский (ru)", "constraint_message::Қазақша (kk)"]  # fmt: skip
COMPLIANCE = [
    ["compliance", "compliant", "Соответствует", "Сәйкес келеді"],
    ["compliance", "partly", "Частично соответствует", "Ішінара сәйкес келеді"],
    ["compliance", "non_compliant", "Не соответствует", "Сәйкес келмейді"],
    ["compliance", "not_checked", "Не проверялось", "Тексерілмеді"],
]
SETTINGS = {
    "form_title": "Тестовый чек-лист",
    "form_id": "test-checklist",
    "version": "2026.1",
    "default_language": "Русский (ru)",
    "kuzet_title_kk": "Тест тексеру парағы",
    "kuzet_kind": "checklist",
    "kuzet_institution_types": "ivs",
}
GOOD_SURVEY = [
    ["begin group", "treatment", "Обращение", "Қарым-қатынас"],
    ["select_one compliance", "force_register", "Ведётся журнал применения силы", "Күш қолдану журналы жүргізіледі", "yes", "", "", "", "UN-SMR-13", "yes"],
    ["text", "force_details", "Что не так с журналом", "Журналда не дұрыс емес", "", "selected(${force_register}, 'non_compliant') or selected(${force_register}, 'partly')", "", "multiline"],
    ["integer", "population", "Содержится сейчас", "Қазір ұсталуда", "yes", "", ". >= 0 and . <= 5000", "", "", "", "От 0 до 5000", "0-ден 5000-ға дейін"],
    ["select_multiple methods", "methods", "Методы", "Әдістер", "", "${population} > 0"],
    ["end group"],
    ["begin group", "material_conditions", "Материальные условия", "Материалдық жағдайлар"],
    ["begin repeat", "cells", "Камеры", "Камералар"],
    ["text", "cell_no", "Номер камеры", "Камера нөмірі", "yes"],
    ["integer", "people", "Человек в камере", "Камерадағы адам саны", "", "", ". >= 0"],
    ["integer", "beds", "Спальных мест", "Төсек-орын саны", "", "${people} > 0"],
    ["end repeat"],
    ["note", "closing", "Спасибо", "Рақмет"],
    ["end group"],
]  # fmt: skip
GOOD_CHOICES = [
    *COMPLIANCE,
    ["methods", "beating", "Избиение", "Ұру"],
    ["methods", "threats", "Угрозы", "Қорқыту"],
]


def xlsform(
    survey: list[list[Any]] | None = None,
    choices: list[list[Any]] | None = None,
    settings: dict[str, str] | None = None,
    survey_header: list[str] | None = None,
) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    sheet.append(survey_header or SURVEY_HEADER)
    for row in GOOD_SURVEY if survey is None else survey:
        sheet.append(row)
    sheet_choices = book.create_sheet("choices")
    sheet_choices.append(["list_name", "name", RU, KK])
    for row in GOOD_CHOICES if choices is None else choices:
        sheet_choices.append(row)
    values = {**SETTINGS, **(settings or {})}
    sheet_settings = book.create_sheet("settings")
    sheet_settings.append(list(values))
    sheet_settings.append(list(values.values()))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsform_publish(actor: User, **settings: str) -> InstrumentVersion:
    """Import and publish the test checklist (``settings`` change its settings sheet), with
    the norm its first question cites."""
    Norm.objects.get_or_create(
        code="UN-SMR-13", defaults={"title_ru": "Размещение", "text_ru": "Помещения …"}
    )
    outcome = instrument_version_import(data=xlsform(settings=settings or None), actor=actor)
    assert outcome.version is not None, outcome.errors
    return instrument_version_publish(version=outcome.version, actor=actor)
