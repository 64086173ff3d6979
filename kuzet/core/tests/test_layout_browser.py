"""No sideways scrolling on the main pages on a tablet (768 px) and a phone (390 px).

Each main page is opened as the demo role that uses it; the page must be no wider than the
window (tables become stacked cards), and on a phone the visit's tabs stay one row.
"""

import re
from typing import Any

import pytest

from kuzet.core.tests.browser import CHROMIUM, CHROMIUM_ARGS, sign_in

pytestmark = pytest.mark.browser

WIDTHS = (768, 390)
TABS = ("responses", "interviews", "findings", "allegations", "media", "recommendations", "review")
PAGES = {
    "demo-secretariat": [
        "/",
        "/inventory/",
        "/visits/",
        "/recommendations/",
        "/visits/appeals/",
        "/dashboard/",
        "/dashboard/planning/",
        "/reports/",
        "/quality/settings/",
        "/inventory/norms/",
    ],
    "demo-coordinator": ["/", "/visits/", "/recommendations/", "/dashboard/"],
    "demo-leader": ["/", "/visits/", "{visit}"] + ["{visit}" + tab + "/" for tab in TABS],
    "demo-participant": ["/", "/visits/"],
    "demo-auditor": ["/", "/audit/"],
}


def first_visit(page: Any, base: str) -> str:
    page.goto(f"{base}/visits/")
    hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.pathname)")
    return next(href for href in hrefs if re.fullmatch(r"/visits/\d+/", href))


@pytest.mark.parametrize("username", list(PAGES))
def test_main_pages_do_not_scroll_sideways(demo_server: str, username: str) -> None:
    from playwright.sync_api import sync_playwright

    too_wide = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
        page = context.new_page()
        try:
            sign_in(page, demo_server, username)
            visit = first_visit(page, demo_server) if username == "demo-leader" else ""
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 844})
                for path in PAGES[username]:
                    response = page.goto(demo_server + path.format(visit=visit))
                    assert response is not None and response.status == 200, path
                    scroll_width = page.evaluate("document.documentElement.scrollWidth")
                    if scroll_width > width:
                        too_wide.append(f"{path.format(visit=visit)} at {width} px: {scroll_width}")
                    if width == 390 and path.startswith("{visit}"):
                        tabs = page.locator("nav.tabs").bounding_box()
                        assert tabs is not None and tabs["height"] < 80, (path, tabs)
        finally:
            context.close()
            browser.close()
    assert not too_wide, too_wide
