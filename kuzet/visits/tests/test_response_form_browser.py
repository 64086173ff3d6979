"""The web checklist's autosave, in Chromium: an answer given before the form's script has
run (it loads after the page, later still on a slow tablet) is saved all the same, and a
form opened and left alone is not saved, even where the browser shows an answer otherwise
than the server sent it."""

from typing import Any

import pytest

from kuzet.core.tests.browser import sign_in
from kuzet.visits.tests.browser_visits import visit_in_progress

pytestmark = pytest.mark.browser
SCRIPT = "**/visits/response-form*.js"
FIRST_ITEM = ".q-compliance >> nth=0"

# Save, as the autosave does, the form with a one-line answer holding a line break and a
# long answer with CRLF: answers a record synced from a tablet may hold.
SEED = """async () => {
  const form = document.getElementById('response-form');
  const data = new FormData(form);
  data.set(form.querySelector('.question[data-type=integer] input').name, '1\\n2');
  data.set(form.querySelector('.question[data-type=long_text] textarea').name, 'Первая строка\\r\\nвторая');
  const reply = await fetch(location.pathname, {method: 'POST', body: data,
    headers: {'X-Kuzet-Autosave': '1'}, credentials: 'same-origin'});
  return reply.status;
}"""


def autosaves(page: Any) -> list[int]:
    """The statuses of the autosave answers from now on."""
    statuses: list[int] = []
    page.on(
        "response",
        lambda response: (
            statuses.append(response.status)
            if response.request.headers.get("x-kuzet-autosave") == "1"
            else None
        ),
    )
    return statuses


def test_a_choice_made_before_the_script_runs_is_saved(browser_page: Any, demo_server: str) -> None:
    page, base = browser_page, demo_server
    sign_in(page, base, "demo-leader")
    visit_url = visit_in_progress(page, base, "2026-11-23", "Условия содержания")
    page.goto(f"{base}{visit_url}responses/")

    # The form's script is held on the way until a choice has been made.
    held: list[Any] = []
    page.route(SCRIPT, lambda route: held.append(route))
    saves = autosaves(page)
    page.locator("form.start-form").first.locator("button").click()
    page.wait_for_selector("#response-form")
    response_url = page.url
    page.locator(FIRST_ITEM).locator("label.choice-non_compliant").click()
    for _ in range(100):  # the held request reaches its handler while the page waits
        if held:
            break
        page.wait_for_timeout(100)
    assert len(held) == 1 and saves == []
    held[0].continue_()
    page.unroute(SCRIPT)
    page.wait_for_selector("#save-status[data-kind=saved]", timeout=40000)
    assert saves == [200]

    # Answers the browser shows otherwise than the server sent them: a line break in a
    # one-line field (a tablet's record may hold one), CRLF in a text area.
    seeded = page.evaluate(SEED)
    assert seeded == 200
    assert saves == [200, 200]

    # Opened again: the answers are the server's, and nothing changed is nothing saved.
    page.goto(response_url)
    page.wait_for_load_state("load")
    assert page.locator(FIRST_ITEM).locator("input[value=non_compliant]").is_checked()
    assert page.input_value(".question[data-type=integer] >> nth=0 >> input") == "12"
    page.wait_for_timeout(3000)  # the autosave waits 1.2 s after a change
    assert saves == [200, 200]
    assert page.get_attribute("#save-status", "data-kind") is None
