"""A visit for the workspace's browser tests: planned and begun in the web app as a group
leader does it, on the demo server."""

from typing import Any

# The button of a step that asks to be confirmed (an irreversible one).
CONFIRM = "form:has(input[name=confirmed]) button.btn"


def step(page: Any, base: str, visit_url: str, to_status: str) -> None:
    """Move the visit on to ``to_status`` on its review tab (a step that needs no confirming)."""
    page.goto(f"{base}{visit_url}review/")
    page.click(f"form.step-form:has(input[value='{to_status}']) button")
    page.wait_for_load_state()
    assert page.locator(".messages .error").count() == 0, page.inner_text(".messages")
    assert page.locator(CONFIRM).count() == 0  # only irreversible steps ask to confirm


def visit_in_progress(page: Any, base: str, planned_date: str, objectives: str) -> str:
    """Plan a visit to an ИВС of the signed-in leader's region, with the leader and a
    participant, and begin it; its URL (``/visits/<pk>/``)."""
    page.goto(f"{base}/visits/plan/")
    institution = page.evaluate(
        "() => [...document.querySelectorAll('#id_institution option')]"
        ".find(o => o.textContent.includes('ИВС')).value"
    )
    page.select_option("#id_institution", institution)
    page.fill("#id_planned_date", planned_date)
    page.select_option("#id_leader", label="Руководитель группы, г. Алматы (демо)")
    page.check("#id_members input[value]:near(:text('Участник'))")
    page.fill("#id_objectives", objectives)
    page.click("main form button.btn")
    page.wait_for_url(f"{base}/visits/*/")
    visit_url: str = page.url.removeprefix(base)
    step(page, base, visit_url, "preparation")
    step(page, base, visit_url, "in_progress")
    return visit_url
