"""A visit from plan to approval, as the team and the coordinator do it in Chromium.

The group leader plans a visit to an ИВС, fills in its checklist (one item non-compliant),
records two interviews, a finding describing the non-compliant item, an allegation, a
photo and a recommendation, and submits. Then a correction on request: the coordinator
comments on the finding itself and returns the visit (confirming the step); the leader opens
the comment, corrects the finding, resolves the comment and resubmits; the coordinator reads
what changed in the finding and approves, on the page that says what approval locks.
"""

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from kuzet.core.tests.browser import DEMO_VAR_DIRS, png, sign_in
from kuzet.visits.tests.browser_visits import CONFIRM, step, visit_in_progress

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("KUZET_SCREENSHOTS", "var/screenshots"))

# Answer every visible question that has no answer yet, as a monitor would on the spot.
FILL_EVERYTHING = """() => {
  const form = document.getElementById('response-form');
  let filled = 0;
  for (const q of form.querySelectorAll('.question')) {
    if (q.closest('[hidden]') || q.closest('template')) continue;
    const inputs = [...q.querySelectorAll('input, textarea')];
    if (!inputs.length) continue;
    const type = q.dataset.type;
    if (['compliance', 'select_one', 'select_multiple'].includes(type)) {
      if (inputs.some(i => i.checked)) continue;
      (inputs.find(i => i.value === 'compliant') || inputs[0]).checked = true;
    } else if (inputs[0].value === '') {
      inputs[0].value = {integer: '2', decimal: '2', date: '2026-11-20', time: '10:00',
                         geopoint: '43.25 76.95'}[type] || 'Проверено на месте, замечаний нет';
    } else continue;
    filled++;
  }
  form.dispatchEvent(new Event('change'));
  return filled;
}"""


def autosave_answers(page: Any) -> list[str]:
    """The status and start of each answer to an autosave, as they come (for a failure's
    message)."""
    answers: list[str] = []

    def seen(response: Any) -> None:
        if response.request.headers.get("x-kuzet-autosave") == "1":
            try:
                body = response.text()[:300]
            except Exception as exc:  # the page may have gone on
                body = f"({type(exc).__name__})"
            answers.append(f"{response.status} {body}")

    page.on("response", seen)
    page.on(
        "requestfailed",
        lambda request: (
            answers.append(f"failed: {request.failure}")
            if request.headers.get("x-kuzet-autosave") == "1"
            else None
        ),
    )
    return answers


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"walkthrough-{name}.png"), full_page=True)


def test_plan_fill_submit_return_fix_approve(
    browser_page: Any, demo_server: str, tmp_path: Path
) -> None:
    page, base = browser_page, demo_server
    sign_in(page, base, "demo-leader")

    # Plan: an ИВС of the leader's region, the leader and a participant; begin the visit.
    visit_url = visit_in_progress(
        page, base, "2026-11-20", "Условия содержания и гарантии первых часов задержания"
    )

    # The checklist of the ИВС, with the first item of the access section non-compliant.
    page.goto(f"{base}{visit_url}responses/")
    start = page.locator("form.start-form").first
    assert "ИВС" in start.inner_text()
    start.locator("button").click()
    page.wait_for_selector("#response-form")
    response_url = page.url
    saves = autosave_answers(page)
    first = page.locator(".q-compliance").first
    first.locator("label.choice-non_compliant").click()
    for _ in range(5):
        if page.evaluate(FILL_EVERYTHING) == 0:
            break
    # The autosave retries a failed save after 10 s: on a loaded machine the first may
    # not get through (a CI run once waited 15 s in vain).
    try:
        page.wait_for_selector("#save-status[data-kind=saved]", timeout=40000)
    except Exception as exc:
        status = page.evaluate(
            "() => { const s = document.getElementById('save-status');"
            " return [s.dataset.kind, s.textContent]; }"
        )
        server_log = DEMO_VAR_DIRS[base] / "server.log"
        tail = server_log.read_text(errors="replace")[-3000:] if server_log.exists() else ""
        raise AssertionError(
            f"autosave not saved: status {status}, answers {saves}\nserver log:\n{tail}"
        ) from exc
    page.click("button[name=check]")
    page.wait_for_selector(".ok-summary")  # every required answer given and valid
    shot(page, "1-checklist")

    # Two interviews.
    for code, transmit in (("A-01", True), ("A-02", False)):
        page.goto(f"{base}{visit_url}interviews/new/")
        page.select_option("#id_kind", "individual")
        page.fill("#id_person_code", code)
        page.fill("#id_full_name", f"Тестовый Человек {code}")
        page.check("#id_consent_interview")
        if transmit:
            page.check("#id_consent_transmit")
        page.fill("#id_notes", "Жалоб на питание нет; прогулка не каждый день.")
        page.click("main form button.btn")
        page.wait_for_url(f"{base}{visit_url}interviews/")
    assert page.locator("table.data tbody tr").count() == 2

    # A finding describing the non-compliant item, from the checklist itself.
    page.goto(response_url)
    page.click("a.btn-link")
    page.wait_for_selector("#id_title")
    assert page.locator("#id_items input:checked").count() == 1
    page.select_option("#id_theme", "access")
    page.fill("#id_title", "Доступ в камеры задержан на сорок минут")
    page.fill(
        "#id_description",
        "Группу продержали у входа сорок минут, ссылаясь на отсутствие начальника; "
        "камеры 3 и 4 показали последними.",
    )
    page.check("#id_sources input[value=observation]")
    page.select_option("#id_severity", "high")
    page.select_option("#id_obstacle", "access_delayed")
    page.click("main form button.btn")
    page.wait_for_url(f"{base}{visit_url}findings/")

    # An allegation by A-01, who consented to its transmission.
    page.goto(f"{base}{visit_url}allegations/new/")
    page.select_option("#id_person", label="A-01")
    page.fill("#id_circumstances", "При доставлении в ИВС сотрудник ударил по спине.")
    page.select_option("#id_perpetrator", "police")
    page.check("#id_methods input[value=beating]")
    page.check("#id_consent_transmit")
    page.click("main form button.btn")
    page.wait_for_url(f"{base}{visit_url}allegations/")

    # A photo of the corridor, linked to the finding.
    photo = png(tmp_path / "corridor.png")
    page.goto(f"{base}{visit_url}media/")
    page.set_input_files("#id_file", str(tmp_path / "corridor.png"))
    page.select_option("#id_kind", "photo")
    page.select_option("#id_finding", index=1)
    page.click("form[enctype] button.btn")
    # Sent through the resumable upload (visits/upload.js); the page then says it is stored.
    page.wait_for_selector(".messages li.success")
    assert page.url == f"{base}{visit_url}media/"
    assert page.locator("main img").count() == 1
    digest = page.get_attribute("code[title]", "title")
    assert digest == hashlib.sha256(photo).hexdigest()

    # A recommendation answering the finding.
    page.goto(f"{base}/recommendations/visit/{visit_url.split('/')[2]}/new/")
    page.fill(
        "#id_text_ru",
        "Обеспечить незамедлительный допуск членов НПМ во все помещения ИВС без согласования.",
    )
    page.select_option("#id_addressee", index=1)
    page.check("#id_findings input")
    page.click("main form button.btn")
    page.wait_for_url(f"{base}{visit_url}recommendations/")

    step(page, base, visit_url, "debriefed")
    step(page, base, visit_url, "drafting")
    page.goto(f"{base}{visit_url}review/")
    assert page.locator(".ok-summary").count() == 1, page.inner_text("main")
    step(page, base, visit_url, "under_review")
    shot(page, "2-submitted")

    # The coordinator comments on the finding itself, from the findings tab, and returns
    # the record: a step confirmed on a page of its own.
    browser = page.context.browser
    coordinator_context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="ru-RU"
    )
    reviewer = coordinator_context.new_page()
    sign_in(reviewer, base, "demo-coordinator")
    reviewer.goto(f"{base}{visit_url}findings/")
    reviewer.click(".record-actions a[href*='?record=findings:']")
    reviewer.wait_for_selector("#id_text")
    assert reviewer.input_value("#id_record").startswith("findings:")
    reviewer.fill("#id_text", "Укажите, кто именно задержал допуск и на каком основании.")
    reviewer.click("form[action$='review/comment/'] button")
    reviewer.wait_for_url(f"{base}{visit_url}review/")
    assert "Доступ в камеры задержан" in reviewer.inner_text(".comment .linked-record")
    reviewer.fill(
        "form.step-form:has(input[value=returned]) textarea", "См. замечание к выявленному факту"
    )
    reviewer.click("form.step-form:has(input[value=returned]) button")
    reviewer.wait_for_selector(CONFIRM)
    assert "См. замечание к выявленному факту" in reviewer.inner_text("main")
    shot(reviewer, "3-return-confirm")
    reviewer.click(CONFIRM)
    reviewer.wait_for_url(f"{base}{visit_url}review/")
    assert "returned" in reviewer.get_attribute("h1 .badge", "class")

    # The leader opens the comment on the finding, corrects the finding, resolves the
    # comment and resubmits.
    page.goto(f"{base}{visit_url}findings/")
    assert "кто именно задержал допуск" in page.inner_text(".review-comments")
    shot(page, "4-returned")
    page.click(".review-comments .linked-record a.btn-link")
    page.wait_for_selector("#id_description")
    assert "кто именно задержал допуск" in page.inner_text(".review-comments")
    page.fill(
        "#id_description",
        "Начальник смены ИВС продержал группу у входа сорок минут, ссылаясь на отсутствие "
        "начальника учреждения; камеры 3 и 4 показали последними.",
    )
    shot(page, "5-correct")
    page.click("main form.card button.btn")
    page.wait_for_url(f"{base}{visit_url}findings/#finding-*")
    assert "Начальник смены ИВС" in page.inner_text("main")
    page.click(".review-comments button.link")
    page.wait_for_url(f"{base}{visit_url}findings/**")
    step(page, base, visit_url, "under_review")

    # The coordinator reads what changed in the finding, and approves on the page saying
    # what approval locks.
    reviewer.goto(f"{base}{visit_url}review/")
    changes = reviewer.inner_text("#changes")
    assert "Описание" in changes and "Начальник смены ИВС" in changes, changes
    assert "Группу продержали у входа" in changes  # what it said before
    shot(reviewer, "6-changes")
    approval = "form.step-form:has(input[value=approved])"
    if reviewer.locator(f"{approval} textarea").count():  # quality warnings remain
        reviewer.fill(f"{approval} textarea", "Замечания по качеству учтены в отчёте")
    reviewer.click(f"{approval} button")
    reviewer.wait_for_selector(CONFIRM)
    assert "Утверждение закрывает материалы посещения" in reviewer.inner_text("main")
    shot(reviewer, "7-approve-confirm")
    reviewer.goto(f"{base}{visit_url}review/")  # changing one's mind: nothing happened
    assert "under_review" in reviewer.get_attribute("h1 .badge", "class")
    if reviewer.locator(f"{approval} textarea").count():
        reviewer.fill(f"{approval} textarea", "Замечания по качеству учтены в отчёте")
    reviewer.click(f"{approval} button")
    reviewer.click(CONFIRM)
    reviewer.wait_for_url(f"{base}{visit_url}review/")
    assert "approved" in reviewer.get_attribute("h1 .badge", "class")
    shot(reviewer, "8-approved")
    # Locked: the team no longer sees ways to record.
    page.goto(f"{base}{visit_url}findings/")
    assert page.locator(f"a[href='{visit_url}findings/new/']").count() == 0
    coordinator_context.close()
