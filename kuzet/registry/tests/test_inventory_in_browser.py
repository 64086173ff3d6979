"""The inventory as a person uses it: sign in, filter, open a place, switch language."""

import os
from pathlib import Path

import pytest

from kuzet.core.tests.browser import sign_in
from kuzet.people.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("KUZET_SCREENSHOTS", "var/screenshots"))


def test_a_participant_finds_a_place_and_reads_it_in_kazakh(browser_page, demo_server: str) -> None:
    page = browser_page
    page.goto(f"{demo_server}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "demo-participant")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form button.btn")
    page.wait_for_url(f"{demo_server}/")
    assert page.inner_text("h1") == "Моя работа"
    page.click("nav.mainnav a[href='/inventory/']")
    page.wait_for_url(f"{demo_server}/inventory/")
    assert page.inner_text("h1") == "Реестр мест лишения свободы"
    total = page.inner_text("main p.muted")

    page.select_option("#id_region", label="город Шымкент")
    page.select_option("#id_sort", value="-days")
    page.click("form.filters button.btn")
    page.wait_for_load_state()
    rows = page.locator("table.data tbody tr")
    assert 0 < rows.count() < 50
    assert page.inner_text("main p.muted") != total
    assert all("Шымкент" in text for text in rows.locator("td:nth-child(4)").all_inner_texts())

    page.click("button[value=kk]")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "Бостандығынан айыру орындарының тізілімі"
    assert (
        page.locator("#id_region option:checked").inner_text() == "Шымкент қаласы"
    )  # filters kept

    rows.first.locator("a").click()
    page.wait_for_load_state()
    assert "(демо)" in page.inner_text("h1")
    assert "Шымкент" in page.inner_text("dl.facts")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "institution_kk.png"), full_page=True)


def test_a_regional_participant_cannot_reach_the_import_page(
    browser_page, demo_server: str
) -> None:
    page = browser_page
    sign_in(page, demo_server, "demo-participant")
    assert page.locator("nav.mainnav a", has_text="Импорт").count() == 0
    response = page.goto(f"{demo_server}/inventory/import/")
    assert response is not None and response.status == 403
