"""Likely personal names in quoted free text: a small corpus in ru, kk and en."""

import pytest

from kuzet.core.redaction import find_names, redact_names

NAMED = [
    ("ru", "Меня избил Иванов Петр Сергеевич в коридоре.", "Иванов Петр Сергеевич"),
    ("ru", "Иванов И.И. ударил меня.", "Иванов И.И."),
    ("ru", "Дежурный И.И. Иванов не дал позвонить.", "И.И. Иванов"),
    ("ru", "Это сделала Смирнова Анна.", "Смирнова Анна"),
    ("ru", "Приходил Петренко Олег с другим сотрудником.", "Петренко Олег"),
    ("kk", "Нұрланов Асқар Серікұлы мені ұрды.", "Нұрланов Асқар Серікұлы"),
    ("kk", "Мені Айгерім Сапарқызы тергеді.", "Айгерім Сапарқызы"),
    ("kk", "Күзетші Жанибек Омаров келді.", "Жанибек Омаров"),
    ("en", "Officer John Peterson hit me twice.", "John Peterson"),
]
UNNAMED = [
    "Сотрудник ИВС № 1 ударил меня.",
    "Вчера вечером меня били в камере.",
    "Полиция Алматы забрала меня из дома.",
    "Жалоба направлена в Генеральную прокуратуру.",
    "Мені ИУ-158/2 мекемесіне ауыстырды.",
    "Түнде кезекші мені ұрды.",
    "The Department of Police kept me for two days.",
    "Yesterday the guard refused water.",
    "Мне три дня не давали позвонить жене, хотя я просил каждый день",
]


@pytest.mark.parametrize(("language", "text", "name"), NAMED)
def test_a_likely_name_is_withheld_in_the_reports_language(
    language: str, text: str, name: str
) -> None:
    redacted = redact_names(text, language=language)
    assert redacted.changed
    assert name not in redacted.text
    for word in name.replace(".", " ").split():
        if len(word) > 2:
            assert word not in redacted.text
    placeholder = {"ru": "[имя скрыто]", "kk": "[аты жасырылған]", "en": "[name withheld]"}
    assert placeholder[language] in redacted.text


@pytest.mark.parametrize("text", UNNAMED)
def test_capitalised_words_and_institutions_are_not_names(text: str) -> None:
    assert find_names(text) == []
    assert redact_names(text, language="ru").text == text


def test_a_coded_persons_name_is_found_alone_and_in_other_case_forms() -> None:
    known = ["Марат Касымов"]
    assert find_names("Вчера Марат ударил меня.") == []
    text = "Вчера Марат ударил меня, потом Касымова не было."
    redacted = redact_names(text, language="ru", known_names=known)
    assert "Марат" not in redacted.text
    assert "Касымов" not in redacted.text
    assert redacted.text.startswith("Вчера [имя скрыто] ударил меня")
