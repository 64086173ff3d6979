"""Standard XLSForms written the way the ODK and KoboToolbox documentation examples are:
questions at the top level, no Kuzet columns, metadata rows, one language or several, no
settings or settings without a version. Built with openpyxl (our own files)."""

import io
from typing import Any

from openpyxl import Workbook


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    book = Workbook()
    first = True
    for name, rows in sheets.items():
        sheet = book.active if first else book.create_sheet(name)
        assert sheet is not None
        sheet.title = name
        first = False
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Kobo's "household survey" shape: one unmarked label column, no settings sheet at all.
HOUSEHOLD = workbook(
    {
        "survey": [
            [
                "type",
                "name",
                "label",
                "hint",
                "required",
                "constraint",
                "constraint_message",
                "relevant",
            ],
            ["start", "start"],
            ["end", "end"],
            ["today", "today"],
            ["deviceid", "deviceid"],
            ["text", "respondent", "Имя респондента", "Как к нему обращаться", "yes"],
            ["integer", "age", "Возраст", "", "yes", ". >= 18 and . <= 120", "От 18 до 120 лет"],
            ["select_one yes_no", "consent", "Согласие на участие", "", "yes"],
            ["note", "thanks", "Спасибо!", "", "", "", "", "${consent} = 'no'"],
            ["date", "visit_date", "Дата", "", "", "", "", "${consent} = 'yes'"],
            ["geopoint", "location", "Местоположение"],
            ["image", "photo", "Фото входа"],
        ],
        "choices": [
            ["list_name", "name", "label"],
            ["yes_no", "yes", "Да"],
            ["yes_no", "no", "Нет"],
        ],
    }
)

# ODK's multi-language shape with groups, a repeat counted by an earlier answer, a
# calculation, cascading selects by choice_filter, and the settings without a version.
FAMILY = workbook(
    {
        "survey": [
            [
                "type",
                "name",
                "label::English (en)",
                "label::Русский (ru)",
                "label::Қазақша (kk)",
                "hint::Русский (ru)",
                "guidance_hint::Русский (ru)",
                "required",
                "calculation",
                "choice_filter",
                "repeat_count",
                "default",
                "read_only",
                "appearance",
            ],
            ["begin_group", "household", "Household", "Домохозяйство", "Үй шаруашылығы"],
            [
                "integer",
                "num_people",
                "How many people?",
                "Сколько человек?",
                "Неше адам?",
                "",
                "Считайте детей тоже",
                "yes",
                "",
                "",
                "",
                "1",
            ],
            ["calculate", "num_adults_max", "", "", "", "", "", "", "${num_people} * 2"],
            ["end_group"],
            [
                "begin_repeat",
                "person",
                "Person",
                "Человек",
                "Адам",
                "",
                "",
                "",
                "",
                "",
                "${num_people}",
            ],
            ["text", "person_name", "Name", "Имя", "Аты", "", "", "yes"],
            ["decimal", "weight", "Weight", "Вес", "Салмағы"],
            ["end_repeat"],
            ["select_one region", "region", "Region", "Область", "Облыс"],
            [
                "select_one city",
                "city",
                "City",
                "Город",
                "Қала",
                "",
                "",
                "",
                "",
                "region=${region}",
            ],
            ["datetime", "interviewed_at", "Interviewed at", "Время опроса", "Сұхбат уақыты"],
            ["time", "arrival", "Arrival", "Прибытие", "Келу"],
            [
                "text",
                "interviewer",
                "Interviewer",
                "Интервьюер",
                "Сұхбат алушы",
                "",
                "",
                "",
                "",
                "",
                "",
                "монитор",
                "yes",
            ],
            ["audio", "voice", "Voice note", "Голос", "Дауыс"],
            ["video", "clip", "Video", "Видео", "Бейне"],
            ["file", "document", "Document", "Документ", "Құжат"],
        ],
        "choices": [
            [
                "list_name",
                "name",
                "label::English (en)",
                "label::Русский (ru)",
                "label::Қазақша (kk)",
                "region",
            ],
            ["region", "almaty", "Almaty", "Алматинская", "Алматы"],
            ["region", "akmola", "Akmola", "Акмолинская", "Ақмола"],
            ["city", "taldykorgan", "Taldykorgan", "Талдыкорган", "Талдықорған", "almaty"],
            ["city", "kokshetau", "Kokshetau", "Кокшетау", "Көкшетау", "akmola"],
        ],
        "settings": [
            ["form_title", "form_id", "default_language"],
            ["Family interview", "family_interview", "English (en)"],
        ],
    }
)

# Short language names (label::ru / label::kk) and a list read from an attached CSV.
FACILITIES = workbook(
    {
        "survey": [
            ["type", "name", "label::ru", "label::kk", "required"],
            ["select_one_from_file facilities.csv", "facility", "Учреждение", "Мекеме", "yes"],
            [
                "select_multiple_from_file facilities.csv",
                "also_seen",
                "Также посещены",
                "Сондай-ақ барылды",
            ],
        ],
        "settings": [["form_title", "version"], ["Учреждения", "3"]],
    }
)
FACILITIES_CSV = (
    "name,label::ru,label::kk\nivs_1,ИВС № 1,№ 1 УҰИ\nsizo_2,СИЗО № 2,№ 2 ТИ\n".encode()
)

# What Kuzet cannot honour: each is refused with sheet, row and column.
UNSUPPORTED = workbook(
    {
        "survey": [
            ["type", "name", "label", "constraint", "parameters"],
            ["range", "score", "Оценка", "", "start=1 end=10"],
            ["text", "code", "Код", "regex(., '^[0-9]+$')"],
            ["begin group", "outer", "Внешняя"],
            ["begin group", "inner", "Внутренняя"],
            ["text", "x", "Икс"],
            ["end group"],
            ["end group"],
            ["select_one_from_file missing.csv", "pick", "Выбор"],
        ],
    }
)
