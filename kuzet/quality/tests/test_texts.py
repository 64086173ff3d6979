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
