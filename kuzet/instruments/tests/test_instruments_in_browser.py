"""The standard library as the secretariat sees it in Chromium."""

import os
from pathlib import Path

import pytest

from kuzet.core.tests.browser import sign_in

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("KUZET_SCREENSHOTS", "var/screenshots"))


def test_every_library_instrument_previews_in_russian_and_kazakh(
    browser_page, demo_server: str
) -> None:
    page = browser_page
    sign_in(page, demo_server, "demo-secretariat")
    page.goto(f"{demo_server}/instruments/")
    links = page.locator("table.data tbody tr td:first-child a").evaluate_all(
        "els => els.map(e => e.href)"
    )
    assert len(links) >= 7
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for link in links:
        code = link.rstrip("/").split("/")[-2]
        # The participants' onboarding test (kind "test") is five questions without sections;
        # the checklists are long and sectioned.
        is_test = code == "onboarding-test"
        titles = {}
        for language in ("ru", "kk"):
            page.goto(f"{link}?lang={language}")
            titles[language] = page.inner_text("h1")
            assert page.locator(".question").count() >= (5 if is_test else 60), link
            if not is_test:
                assert page.locator("fieldset.section legend").count() >= 3
        assert titles["ru"] != titles["kk"], link
        page.screenshot(path=str(SCREENSHOTS / f"instrument-{code}-kk.png"))
