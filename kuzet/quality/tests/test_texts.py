"""The text rules through their entry point, ``check_text``, in Russian and Kazakh."""

import pytest
from django.utils import translation

from kuzet.quality import ruledata
from kuzet.quality.texts import check_text


def codes(kind, text, **kw):
    return [r.code for r in check_text(kind, text, **kw)]


def test_a_short_text_is_weak_and_a_factual_one_passes():
    assert "too_short" in codes("recommendation", "Принять меры.")
    assert (
        codes(
            "finding",
            "В камере № 12 блока Б площадью 9 м² содержались 6 человек; окно не открывается.",
        )
        == []
    )


def test_the_two_texts_the_issue_quotes_are_weak():
    assert codes(
        "finding",
        "Условия содержания не в полной мере соответствуют требованиям действующего законодательства.",
    ) == ["standard_answer"]
    assert codes(
        "recommendation", "Принять меры по улучшению условий содержания в учреждении."
    ) == ["vague_recommendation"]


def test_a_paragraph_of_stock_formulae_is_weak_whatever_its_length():
    paragraph = (
        "В ходе посещения осмотрены жилые помещения, столовая и медицинская часть. "
        "Условия содержания в целом соответствуют требованиям законодательства, санитарное "
        "состояние удовлетворительное, жалоб от осуждённых не поступало, администрацией "
        "принимаются меры по улучшению материально-технической базы. "
    )
    assert "standard_answer" in codes("finding", paragraph * 5)


@pytest.mark.parametrize(
    "text",
    [
        "Бұзушылықтар анықталған жоқ, сотталғандардан шағымдар түскен жоқ, жағдай қанағаттанарлық.",
        "Ұстау жағдайлары жалпы алғанда заңнама талаптарына сәйкес келеді.",
        "Мекеме әкімшілігі тарапынан ұстау жағдайларын жақсарту бойынша шаралар қабылдануда.",
    ],
)
def test_kazakh_stock_formulae_are_standard_answers_in_any_case_ending(text):
    assert codes("finding", text, lang="kk") == ["standard_answer"]


@pytest.mark.parametrize(
    "text",
    [
        "Со слов осуждённого К-21, его не выводят к стоматологу с января.",
        "В душевой блока Б нет горячей воды, осуждённые моются холодной.",
        "№ 3 палатада қандала бар, пациенттер шағу іздерін көрсетті.",
        "Журнал приёма жалоб за 2024 год не предъявлен: по словам начальника, утерян.",
    ],
)
def test_short_findings_with_an_observed_fact_pass(text):
    assert codes("finding", text) == []


def test_a_number_that_cites_a_law_or_names_an_institution_is_not_a_fact():
    assert codes(
        "finding", "Условия содержания в ИК-12 удовлетворительные, согласно ст. 46 УИК РК."
    )
    assert codes(
        "finding", "Исправительная колония № 3 функционирует в штатном режиме без замечаний."
    )
    assert codes(
        "finding",
        "В соответствии с приказом МВД № 819 от 13 августа 2019 года ящики для жалоб установлены.",
    )
    assert (
        codes("finding", "Нарушений не выявлено, в камере № 4 содержатся 3 человека из 4 мест.")
        == []
    )


def test_a_negated_fact_is_no_fact():
    assert codes("finding", "Фактов жестокого обращения не обнаружено, следов побоев не выявлено.")


@pytest.mark.parametrize(
    ("text", "weak"),
    [
        ("Усилить контроль за соблюдением прав лиц, содержащихся под стражей.", True),
        ("Рассмотреть возможность выделения финансирования на ремонт учреждения.", True),
        ("Ұстау жағдайларын жақсарту бойынша шаралар қабылдансын.", True),
        ("Установить в камерах № 3–7 окна с открывающимися створками до 1 июня 2026 года.", False),
        ("Хранить записи нагрудных видеорегистраторов не менее 30 суток.", False),
        ("Кеуделік бейнетіркегіштердің жазбаларын кемінде 30 тәулік сақтау.", False),
    ],
)
def test_recommendations_need_an_action_on_an_object_a_measure_or_a_deadline(text, weak):
    assert bool(codes("recommendation", text)) is weak


def test_a_text_equal_to_an_earlier_one_is_copied_whatever_the_spacing_and_case():
    text = "Обеспечить камеру № 4 окном с открывающейся створкой до 1 июня 2027 года."
    assert "copied" in codes(
        "recommendation",
        text,
        earlier=["обеспечить  камеру № 4 окном с открывающейся створкой до 1 июня 2027 года."],
    )
    assert "copied" not in codes(
        "recommendation", text, earlier=["Другой текст рекомендации целиком."]
    )


def test_a_paragraph_with_a_number_or_a_name_changed_is_copied_a_different_one_is_not():
    earlier = (
        "Начальник отряда Иванов пояснил, что осуждённых выводят в баню раз в 10 дней, а не "
        "еженедельно, из-за поломки водонагревателя, отмеченной в журнале заявок 4 ноября."
    )
    changed = earlier.replace("Иванов", "Петров").replace("10 дней", "12 дней")
    assert "copied" in codes("finding", changed, earlier=["Другой текст.", earlier])
    other = (
        "Со слов осуждённого К-4, 2 декабря в бане не было горячей воды, мылись холодной; в "
        "журнале заявок поломка водонагревателя отмечена 30 ноября."
    )
    assert "copied" not in codes("finding", other, earlier=[earlier])


def test_messages_say_what_to_add_in_the_users_language():
    text = "Нарушений не выявлено, жалоб не поступало, условия удовлетворительные."
    with translation.override("en"):
        (reason,) = check_text("finding", text)
        assert "Нарушений не выявлено" in reason.message and "register" in reason.message
    with translation.override("ru"):
        assert "журнал" in check_text("finding", text)[0].message
    with translation.override("kk"):
        assert "журнал" in check_text("finding", text)[0].message


@pytest.mark.parametrize(
    "text",
    [
        "",
        "😀😀😀 " * 50,
        "<p>Нарушений <b>не</b> выявлено</p>&nbsp;<script>alert(1)</script>",
        "Камера № 7 — 6 человек на 4 кроватях. Камерада алты адам, терезе жоқ. Cell 7: six men.",
        "В камере № 12 содержатся 6 человек, окно не открывается. " * 1800,
    ],
)
def test_any_text_gets_an_answer(text):
    reasons = check_text("finding", text, earlier=[text[:500]])
    assert all(r.code and r.message for r in reasons)


def test_html_tags_do_not_count_as_words_or_facts():
    assert codes("finding", "<p><b>Нарушений не выявлено.</b></p><br/>" * 2) == [
        "too_short",
        "standard_answer",
    ]


def test_a_broken_lexicon_line_is_reported_with_its_file_and_line_and_skipped(tmp_path):
    settings, sources = ruledata.read_files()
    sources["place"]["ru"] = "камер*\n*камер*\nблок\n"
    rules = ruledata.build(settings, sources, "rules.toml")
    (problem,) = rules.problems
    assert problem.where == "lexicons/ru/place.txt, line 2"
    assert [["камер*"]] in rules.lexicons["place"] and [["блок"]] in rules.lexicons["place"]


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("мер**", "“*”"),
        ("мер||шаг", "empty alternative"),
        ("ме*р", "“*”"),
        ("медико-санитарн*", "hyphen"),
        ("м*", "two letters"),
    ],
)
def test_each_kind_of_broken_line_has_its_own_message(line, why):
    entries, errors = ruledata.parse_lexicon(f"# comment\n\n{line}\n", "x.txt")
    assert entries == [] and why in str(errors[0]) and "x.txt, line 3" in str(errors[0])


def test_broken_thresholds_name_the_setting():
    settings, sources = ruledata.read_files()
    settings["finding"]["weights"]["nonsense"] = 1
    with pytest.raises(ruledata.RuleError, match=r"finding\.weights\.nonsense"):
        ruledata.build(settings, sources, "rules.toml")


def test_the_rule_files_in_the_repository_are_sound():
    assert ruledata.check_rule_files() == []


def test_manage_py_check_names_a_broken_rule_file(monkeypatch):
    from kuzet.quality.checks import rule_files

    broken = ruledata.RuleError("lexicons/kk/place.txt, line 4", "an empty phrase")
    monkeypatch.setattr(ruledata, "check_rule_files", lambda: [broken])
    (error,) = rule_files()
    assert error.id == "quality.E001" and "lexicons/kk/place.txt, line 4" in error.msg


def test_a_broken_line_in_the_files_in_force_is_logged_and_the_rules_still_answer(
    tmp_path, monkeypatch, caplog
):
    import shutil

    shutil.copytree(ruledata.RULES_DIR, tmp_path / "rules")
    place = tmp_path / "rules" / "lexicons" / "ru" / "place.txt"
    place.write_text(place.read_text(encoding="utf-8") + "камер**\n", encoding="utf-8")
    monkeypatch.setattr(ruledata, "RULES_DIR", tmp_path / "rules")
    ruledata.clear_cache()
    try:
        with caplog.at_level("WARNING", logger="kuzet.quality.ruledata"):
            assert codes("finding", "Нарушений не выявлено, жалоб не поступало, всё в норме.")
        assert "lexicons/ru/place.txt, line" in caplog.text and "камер**" in caplog.text
        (problem,) = ruledata.check_rule_files()
        assert "lexicons/ru/place.txt" in str(problem)
    finally:
        ruledata.clear_cache()
