"""On the tablet, offline: the quality rules warn next to the finding and recommendation
fields as the text is typed, in the tablet's language, and a specific text clears them."""

from pathlib import Path

import pytest

from kuzet.field.tests.tablet import signed_in_tablet

pytestmark = pytest.mark.browser


def test_the_field_app_warns_about_a_standard_answer_offline_and_clears_for_facts(
    demo_server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context, page = signed_in_tablet(
            playwright, demo_server, tmp_path / "tablet", "demo-leader"
        )
        context.set_offline(True)
        page.click(".visit-card")
        page.wait_for_selector("a[href$='/finding']")
        page.click("a[href$='/finding']")
        page.wait_for_selector("form.record-form")
        warning = "[data-field='description'] .warninglist"
        page.fill(
            "[name='description']",
            "Условия содержания в целом соответствуют требованиям, нарушений не выявлено.",
        )
        page.wait_for_selector(f"{warning}:not([hidden])")
        text = page.inner_text(warning)
        assert "Стандартная формулировка" in text and "нарушений не выявлено" in text
        page.fill(
            "[name='description']",
            "В камере № 7 на 4 кровати 6 человек, со слов задержанного Р-2 — с 3 марта.",
        )
        page.wait_for_selector(f"{warning}[hidden]", state="attached")
        context.close()
