"""The editorial workspace in Chromium, as an editor uses it: choose a chapter's examples
and their order with the plain form (numbers, then ↓), and comment on a section."""

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from kuzet.core.tests.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    _free_port,
    _manage,
    require_chromium,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def year_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo server with the demo year (approved visits: the chapters have candidates)."""
    require_chromium()
    var_dir = tmp_path_factory.mktemp("kuzet-year")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUZET_", "DATABASE_URL"))}
    env.update(KUZET_DEBUG="1", KUZET_DEMO="1", KUZET_VAR_DIR=str(var_dir))
    _manage(env, "migrate", "--no-input")
    _manage(env, "load_library")
    # The demo year takes minutes on a busy machine: more than _manage's five.
    subprocess.run(
        [sys.executable, "manage.py", "load_demo_data", "--no-reports"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=1800,
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the demo server did not start") from None
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _chosen(form: Any) -> list[str]:
    return [t.strip() for t in form.locator("tr.chosen label strong").all_inner_texts()]


def test_an_editor_chooses_and_orders_examples_and_comments(
    year_server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base, year = year_server, timezone.localdate().year
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
        page = context.new_page()
        try:
            sign_in(page, base, "demo-secretariat")
            page.goto(f"{base}/reports/annual/{year}/workspace/")
            with page.expect_navigation():
                page.click("form[action$='/workspace/open/'] button")
            form = page.locator("form[action*='/examples/']").first
            titles = [
                t.strip() for t in form.locator("tbody tr label strong").all_inner_texts()[:3]
            ]
            assert len(titles) == 3 and "не выбраны" in page.content()
            # The third candidate first, then the first: numbers give the order.
            form.locator("input[name=pick] >> nth=2").check()
            form.locator("input[name=pick] >> nth=0").check()
            form.locator("input[type=number] >> nth=2").fill("1")
            form.locator("input[type=number] >> nth=0").fill("2")
            with page.expect_navigation():
                form.locator("button.btn:not(.secondary)").first.click()
            form = page.locator("form[action*='/examples/']").first
            assert _chosen(form) == [titles[2], titles[0]]
            # ↓ on the first chosen one: the order is swapped, no script needed.
            with page.expect_navigation():
                form.locator("tr.chosen >> nth=0").locator("button[value$=':down']").click()
            form = page.locator("form[action*='/examples/']").first
            assert _chosen(form) == [titles[0], titles[2]]
            # A comment on the same chapter, listed with its author.
            pk = (form.get_attribute("action") or "").rstrip("/").split("/")[-2]
            section = page.locator(f"#s{pk}")
            section.locator("form[action*='/comment/'] textarea").fill(
                "Проверить пример <b>до</b> утверждения"
            )
            with page.expect_navigation():
                section.locator("form[action*='/comment/'] button").click()
            section = page.locator(f"#s{pk}")
            comments = section.locator(".ws-comments li").all_inner_texts()
            assert any("Проверить пример до утверждения" in c for c in comments)
            assert "<b>" not in page.content().split("ws-comments")[1].split("</ul>")[0]
            page.screenshot(path=str(tmp_path / "workspace.png"), full_page=True)
        finally:
            context.close()
            browser.close()
