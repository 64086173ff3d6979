"""A tablet for the field app's browser tests: a Chromium profile of its own, and the
first use of the app on it (passphrase, then sign-in)."""

from pathlib import Path
from typing import Any

from kuzet.core.tests.browser import CHROMIUM, CHROMIUM_ARGS
from kuzet.people.demo import DEMO_PASSWORD

PASSPHRASE = "долгая дорога в дюнах"


def launch(playwright: Any, profile: Path, *extra_args: str) -> Any:
    """A persistent context: what the app stores survives closing and reopening it."""
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, *extra_args],
        viewport={"width": 1024, "height": 768},
        locale="ru-RU",
    )


def first_use(page: Any, base: str, username: str, device_name: str = "") -> None:
    """Set the passphrase and submit the sign-in; the caller waits for what follows."""
    page.goto(f"{base}/field/")
    page.wait_for_selector("#set-passphrase")
    page.fill("#passphrase", PASSPHRASE)
    page.fill("#repeat", PASSPHRASE)
    page.click("#set-passphrase button")
    page.wait_for_selector("#sign-in", timeout=30000)
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    if device_name:
        page.fill("#device_name", device_name)
    page.click("#sign-in button")


def signed_in_tablet(
    playwright: Any, base: str, profile: Path, username: str, device_name: str = ""
) -> tuple[Any, Any]:
    """A tablet (context, page) through its first use, showing the visit list."""
    context = launch(playwright, profile)
    page = context.new_page()
    first_use(page, base, username, device_name)
    page.wait_for_selector(".visit-card", timeout=60000)
    return context, page


# Answer every visible question of the open checklist that has no answer yet (compliant,
# or a plausible value), as a monitor would on the spot; returns how many it answered.
FILL_EVERYTHING = """() => {
  const form = document.querySelector('form.response-form');
  let filled = 0;
  for (const q of form.querySelectorAll('.question')) {
    if (q.closest('[hidden]')) continue;
    const inputs = [...q.querySelectorAll('input, textarea')];
    if (!inputs.length) continue;
    const type = q.dataset.type;
    if (['compliance', 'select_one', 'select_multiple'].includes(type)) {
      if (inputs.some(i => i.checked)) continue;
      (inputs.find(i => i.value === 'compliant') || inputs[0]).checked = true;
    } else if (inputs[0].value === '') {
      inputs[0].value = {integer: '2', decimal: '2', date: '2026-11-20', time: '10:00',
                         geopoint: '43.25 76.95'}[type] || 'Проверено на месте';
    } else continue;
    filled++;
  }
  form.dispatchEvent(new Event('change'));
  return filled;
}"""


def finalize_record(page: Any) -> None:
    """Press "Finalize" and confirm in the app's dialog (when the record can be finalized;
    otherwise the problems are shown and no dialog opens)."""
    page.click("#finalize")
    page.wait_for_function(
        "() => document.querySelector('#confirm-dialog[open]')"
        " || !document.querySelector('#problems').hidden"
    )
    if page.locator("#confirm-dialog[open]").count():
        page.click("#confirm-dialog #confirm-yes")


# The section of the open form holding the question at ``path``, opened when the form shows
# one section at a time (the index's button), so that its fields can be typed in.
def show_question(page: Any, path: str) -> None:
    section = page.evaluate(
        "(path) => document.querySelector(`.question[data-path='${path}']`)"
        ".closest('fieldset.section').dataset.name",
        path,
    )
    if page.locator(f"fieldset.section[data-name='{section}'].section-off").count():
        page.click(f"#section-index .section-link[data-section='{section}']")
