"""A working day in the field app, in Chromium: a checklist opened again continues its draft
(another copy only when asked), a form merely opened leaves nothing behind, a long checklist
is walked section by section with an index whose errors clear as they are answered, and the
legal library is read and searched without the network, in the version in force on the
visit's date, in Russian and in Kazakh.
"""

import os
from pathlib import Path
from typing import Any

import pytest

from kuzet.core.tests.browser import CHROMIUM, CHROMIUM_ARGS, sign_in
from kuzet.field.tests.tablet import first_use, launch

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("KUZET_SCREENSHOTS", "var/screenshots"))
TABLET = {"width": 800, "height": 1280}

DRAFTS = """async () => {
  const db = await new Promise((ok) => { const r = indexedDB.open('kuzet-field'); r.onsuccess = () => ok(r.result); });
  const n = await new Promise((ok) => { const r = db.transaction('drafts').objectStore('drafts').count(); r.onsuccess = () => ok(r.result); });
  db.close();
  return n;
}"""
SHOWN_SECTIONS = """() => [...document.querySelectorAll('form.response-form fieldset.section')]
  .filter((f) => !f.hidden && getComputedStyle(f).display !== 'none').map((f) => f.dataset.name)"""


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"field-{name}.png"), full_page=False)


def in_kazakh(page: Any, selector: str, text: str) -> None:
    """Switch the app to Kazakh and wait until ``selector`` says ``text``."""
    page.click("button.lang[data-lang=kk]")
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.textContent.includes(text)",
        arg=[selector, text],
    )


def open_visit(page: Any) -> None:
    page.goto(page.url.split("#")[0] + "#/")
    page.wait_for_selector(".visit-card")
    page.click(".visit-card")
    page.wait_for_selector("a.instrument")


def ready_tablet(playwright: Any, base: str, profile: Path, user: str) -> Any:
    context = launch(playwright, profile)
    page = context.new_page()
    page.set_viewport_size(TABLET)
    first_use(page, base, user)
    page.wait_for_selector(".visit-card", timeout=30000)
    page.evaluate("navigator.serviceWorker.ready")
    context.set_offline(True)
    open_visit(page)
    return context, page


def test_an_instrument_opened_again_continues_its_draft(demo_server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context, page = ready_tablet(playwright, demo_server, tmp_path / "tablet", "demo-leader")

        # Opening a form and leaving it without an answer stores nothing.
        page.click("a[href$='/interview']")
        page.wait_for_selector("form.record-form")
        open_visit(page)
        page.click("a.instrument:has-text('ИВС')")
        page.wait_for_selector("form.response-form")
        open_visit(page)
        assert page.evaluate(DRAFTS) == 0
        assert page.locator(".another-copy").count() == 0

        # One answer, then away: the visit offers to continue that draft.
        page.click("a.instrument:has-text('ИВС')")
        page.wait_for_selector("form.response-form")
        first_url = page.url
        page.locator(".q-compliance").first.locator("label.choice-non_compliant").click()
        page.wait_for_selector("#save-status[data-kind=saved]")
        open_visit(page)
        resume = page.locator("a.instrument:has-text('ИВС')")
        assert resume.get_attribute("data-resumes") == first_url.rsplit("/", 1)[-1]
        assert "продолжить черновик" in resume.inner_text()
        shot(page, "resume-ru")

        # Opened again: the same draft, with its answer.
        resume.click()
        page.wait_for_selector("form.response-form")
        assert page.url == first_url
        assert (
            page.locator(".q-compliance").first.locator("input[value=non_compliant]").is_checked()
        )
        assert page.evaluate(DRAFTS) == 1

        # Another copy is a separate, explicit action: a blank form, a second draft once typed in.
        open_visit(page)
        page.click(".another-copy")
        page.wait_for_selector("form.response-form")
        assert page.url != first_url
        assert not page.locator(".q-compliance input:checked").count()
        page.locator(".q-compliance").first.locator("label.choice-compliant").click()
        page.wait_for_selector("#save-status[data-kind=saved]")
        assert page.evaluate(DRAFTS) == 2
        open_visit(page)
        # The button continues the draft written last; both are listed.
        assert page.locator(".records a[href^='#/edit/']").count() == 2
        in_kazakh(page, ".instrument-list", "жобаны жалғастыру")
        shot(page, "resume-kk")

        # Deleting asks in the app's own dialog; "keep it" keeps it.
        page.click(".records a[href^='#/edit/']")
        page.wait_for_selector("form.response-form")
        page.click("#delete-draft")
        page.wait_for_selector("#confirm-dialog[open]")
        page.click("#confirm-no")
        page.wait_for_selector("#confirm-dialog", state="detached")
        assert page.evaluate(DRAFTS) == 2
        context.close()


def test_a_long_checklist_goes_section_by_section_and_errors_clear_when_answered(
    demo_server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context, page = ready_tablet(
            playwright, demo_server, tmp_path / "tablet", "demo-participant"
        )
        page.click("a.instrument:has-text('ИВС')")
        page.wait_for_selector("#section-index")
        sections = page.eval_on_selector_all(
            "#section-index .section-link", "(links) => links.map((l) => l.dataset.section)"
        )
        assert len(sections) >= 5
        # One section at a time, chosen from the index or with next and previous.
        assert page.evaluate(SHOWN_SECTIONS) == [sections[0]]
        page.click(f"#section-index .section-link[data-section='{sections[2]}']")
        assert page.evaluate(SHOWN_SECTIONS) == [sections[2]]
        assert page.get_attribute(f".section-link[data-section='{sections[2]}']", "aria-current")
        page.click("#section-next")
        assert page.evaluate(SHOWN_SECTIONS) == [sections[3]]
        page.click("#section-previous")
        page.click("#section-previous")
        assert page.evaluate(SHOWN_SECTIONS) == [sections[1]]
        shot(page, "sections-ru")

        # Finalizing an empty form: the index marks the sections with errors and the first
        # one is opened.
        page.click("#finalize")
        page.wait_for_selector("#problems:not([hidden])")
        assert page.locator("#confirm-dialog").count() == 0
        assert page.evaluate(SHOWN_SECTIONS) == [sections[0]]
        assert page.locator(f".section-link.has-error[data-section='{sections[0]}']").count() == 1
        first_error = page.locator(".question.has-error").first
        path = first_error.get_attribute("data-path")
        # Answered: its error goes at once, without pressing "Finalize" again.
        page.fill(f"[name='{path}']", "40")
        page.wait_for_selector(f".question[data-path='{path}']:not(.has-error)")
        assert page.locator(f".question[data-path='{path}'] .errorlist").is_hidden()
        # A wrong answer to a question not flagged shows no new error while typing.
        page.fill("[name='gen_women']", "много")
        # Saved, but not finalizable yet: one message says both (no green "saved" while
        # the problems above are still red).
        page.wait_for_selector("#save-status[data-kind=draft]")
        assert "не завершён" in page.inner_text("#save-status")
        assert page.locator(".question[data-path='gen_women'].has-error").count() == 0
        in_kazakh(page, "#section-index h2", "Бөлімдер")
        shot(page, "sections-kk")
        # All sections on one page, when asked.
        page.click("#section-mode")
        assert page.evaluate(SHOWN_SECTIONS) == sections
        context.close()


def test_the_legal_library_is_read_and_searched_offline_in_the_version_of_the_visit_date(
    demo_server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base = demo_server
    upload = tmp_path / "opcat.csv"
    upload.write_text(
        "code,effective_date,text_ru,text_kk\n"
        "UN-OPCAT-20,2020-01-01,Qzofficial2020 Государства-участники обязуются предоставлять"
        " национальным превентивным механизмам доступ ко всем местам содержания под стражей.,"
        "Qzofficial2020 Қатысушы мемлекеттер ұлттық алдын алу тетіктеріне барлық ұстау"
        " орындарына қол жеткізуді қамтамасыз етуге міндеттенеді.\n"
        "UN-OPCAT-20,2031-01-01,Qzfuture2031 Будущая редакция.,\n",
        encoding="utf-8",
    )
    with sync_playwright() as playwright:
        # The secretariat loads two official wordings of a norm the ИВС checklist cites: one
        # in force on the visit's date (December 2026), one that takes effect later.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        web = browser.new_page()
        sign_in(web, base, "demo-secretariat")
        web.goto(f"{base}/inventory/norms/import/")
        web.set_input_files("input[type=file]", str(upload))
        web.click("form.card button.btn")
        web.wait_for_selector("#import-done")
        browser.close()

        context, page = ready_tablet(playwright, base, tmp_path / "tablet", "demo-leader")
        ivs = page.get_attribute("a.instrument:has-text('ИВС')", "data-version")
        page.click("#open-library")
        page.wait_for_selector("#norm-search")
        total = page.locator("#norm-list article.norm").count()
        assert total > 10
        page.fill("#norm-search", "OPCAT-20")
        page.wait_for_function(
            "() => document.querySelectorAll('#norm-list article.norm').length === 1"
        )
        card = page.inner_text("#norm-list")
        assert "Qzofficial2020" in card and "Qzfuture2031" not in card
        assert "Официальный текст, действует с 01.01.2020" in card
        # Words of the text find it too; words of nothing find nothing.
        page.fill("#norm-search", "превентивным механизмам доступ")
        page.wait_for_function(
            "() => [...document.querySelectorAll('#norm-list article.norm')].some((a) => a.dataset.code === 'UN-OPCAT-20')"
        )
        page.fill("#norm-search", "qzнетакогослова")
        page.wait_for_selector("#norm-list .muted")
        assert page.locator("#norm-list article.norm").count() == 0
        page.fill("#norm-search", "свидан")
        page.wait_for_function(
            "() => document.querySelectorAll('#norm-list article.norm').length > 0"
        )
        shot(page, "library-ru")

        # In Kazakh, still offline.
        in_kazakh(page, "h1", "Құқықтық кітапхана")
        page.fill("#norm-search", "OPCAT-20")
        page.wait_for_function(
            "() => document.querySelectorAll('#norm-list article.norm').length === 1"
        )
        assert "Qzofficial2020 Қатысушы мемлекеттер" in page.inner_text("#norm-list")
        shot(page, "library-kk")

        # Under a question: the norms it checks, as they read on the visit's date.
        open_visit(page)
        page.click(f"a.instrument[data-version='{ivs}']")
        page.wait_for_selector("form.response-form")
        norms = page.locator(".question[data-name='gen_access_unimpeded'] details.norms")
        norms.locator("summary").click()
        assert "UN-OPCAT-20" in norms.inner_text() and "Qzofficial2020" in norms.inner_text()
        shot(page, "question-norms-kk")
        assert context.pages[0].evaluate("navigator.onLine") is False
        context.close()
