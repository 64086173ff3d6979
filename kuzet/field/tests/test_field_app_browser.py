"""A day without network, in Chromium: the field app as a monitor uses it.

Sign in and download the package online; go offline; record an interview and the ИВС
checklist; reload, close the browser and open it again (nothing is lost, the app is locked
and a wrong passphrase changes nothing); finalize; go online and sync; the server holds
exactly one copy of each record, with the hash the tablet computed. Then the 409 path,
and a look at the raw IndexedDB: no plaintext of what was typed.
"""

import json
import os
import sqlite3
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from kuzet.core.tests.browser import DEMO_VAR_DIRS
from kuzet.field.tests.browser_sealing import seal_record
from kuzet.field.tests.tablet import (
    FILL_EVERYTHING,
    PASSPHRASE,
    finalize_record,
    first_use,
    launch,
    signed_in_tablet,
)
from kuzet.people.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("KUZET_SCREENSHOTS", "var/screenshots"))
SECRET_NAME = "Серикбаев Арман Болатович"
SECRET_NOTE = "В камере холодно, одеяла не выдают третий день"
# Longer than "A-01": the dump below holds about two million characters of ciphertext decoded
# as text, where four given ASCII bytes turn up by chance about once in 2,000 runs.
PERSON_CODE = "QZA-0173"

# Every store of the app's database, with binary values decoded as UTF-8 text.
DUMP_DATABASE = """async () => {
  const db = await new Promise((ok, no) => { const r = indexedDB.open('kuzet-field'); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
  const text = (value) => {
    if (value instanceof Uint8Array || value instanceof ArrayBuffer) return new TextDecoder('utf-8', {fatal: false}).decode(value);
    if (Array.isArray(value)) return value.map(text);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, text(v)]));
    return value;
  };
  const out = {};
  for (const name of db.objectStoreNames) {
    out[name] = await new Promise((ok) => { const r = db.transaction(name).objectStore(name).getAll(); r.onsuccess = () => ok(text(r.result)); });
  }
  db.close();
  return JSON.stringify(out);
}"""


def unlock(page: Any, passphrase: str = PASSPHRASE) -> None:
    page.wait_for_selector("#unlock")
    page.fill("#passphrase", passphrase)
    page.click("#unlock button")


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"field-{name}.png"), full_page=True)


def query(base: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(f"file:{DEMO_VAR_DIRS[base] / 'kuzet.sqlite3'}?mode=ro", uri=True)
    try:
        return connection.execute(sql, args).fetchall()
    finally:
        connection.close()


def post_json(url: str, body: dict[str, Any], token: str | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310  (the test's own server)
        url,
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310  (the test's own server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_a_day_without_network(demo_server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    base = demo_server
    profile = tmp_path / "tablet"
    with sync_playwright() as playwright:
        context, page = signed_in_tablet(
            playwright, base, profile, "demo-leader", device_name="Планшет 3"
        )
        # The shell is cached once the service worker controls the page.
        page.evaluate("navigator.serviceWorker.ready")
        page.reload()
        unlock(page)
        page.wait_for_selector(".visit-card")
        assert page.evaluate("Boolean(navigator.serviceWorker.controller)")
        shot(page, "1-visits")

        # Offline from here on: the interview.
        context.set_offline(True)
        page.click(".visit-card")
        page.wait_for_selector("a[href$='/interview']")
        visit_url = page.url
        page.click("a[href$='/interview']")
        page.wait_for_selector("form.record-form")
        page.fill("[name='person_code']", PERSON_CODE)
        page.fill("[name='identity.full_name']", SECRET_NAME)
        page.check("[name='consent_interview']")
        page.check("[name='consent_transmit']")
        page.fill("[name='notes']", SECRET_NOTE)
        page.wait_for_selector("#save-status[data-kind=saved]")
        interview_url = page.url

        # Reload offline: locked, the draft is there.
        page.reload()
        unlock(page, "не тот пароль")
        page.wait_for_selector("#notice[data-kind=error]")
        assert page.locator("#unlock").count() == 1
        page.fill("#passphrase", PASSPHRASE)
        page.click("#unlock button")
        page.wait_for_selector(".statusbar")
        page.goto(interview_url)
        page.wait_for_selector("form.record-form")
        assert page.input_value("[name='notes']") == SECRET_NOTE
        finalize_record(page)
        page.wait_for_url(visit_url)

        # The ИВС checklist, with a first draft, then the browser closed and opened again.
        page.click("a[href*='/response/']:has-text('ИВС')")
        page.wait_for_selector("form.response-form")
        page.locator(".q-compliance").first.locator("label.choice-non_compliant").click()
        page.wait_for_selector("#save-status[data-kind=saved]")
        checklist_url = page.url
        context.close()

        context = launch(playwright, profile)
        context.set_offline(True)
        page = context.new_page()
        page.goto(f"{base}/field/")
        unlock(page)
        page.wait_for_selector(".statusbar")
        page.goto(checklist_url)
        page.wait_for_selector("form.response-form")
        assert (
            page.locator(".q-compliance").first.locator("input[value=non_compliant]").is_checked()
        )
        for _ in range(5):
            if page.evaluate(FILL_EVERYTHING) == 0:
                break
        page.wait_for_selector("#save-status[data-kind=saved]")
        shot(page, "2-checklist-offline")
        finalize_record(page)
        page.wait_for_url(visit_url)
        page.wait_for_function("() => document.querySelectorAll('.records li').length === 2")
        assert PERSON_CODE not in page.inner_text("#app")  # finalized: by type and time only
        shot(page, "3-outbox-offline")

        dump = page.evaluate(DUMP_DATABASE)
        assert PERSON_CODE not in dump and SECRET_NAME not in dump and SECRET_NOTE not in dump
        assert "Проверено на месте" not in dump
        devices_hashes = {row["uuid"]: row["hash"] for row in json.loads(dump)["outbox"]}
        assert len(devices_hashes) == 2

        # Online: sync; the server holds one copy of each, with the tablet's hashes.
        context.set_offline(False)
        page.click("#sync-now")
        page.wait_for_selector("#notice[data-event=synced][data-kind=ok]", timeout=60000)
        shot(page, "4-synced")
        tombstones = {
            row["uuid"]: row["hash"]
            for row in json.loads(page.evaluate(DUMP_DATABASE))["tombstones"]
        }
        assert tombstones == devices_hashes
        assert json.loads(page.evaluate(DUMP_DATABASE))["outbox"] == []
        stored = dict(query(base, "SELECT uuid, content_hash FROM field_submission"))
        assert {str(uuid.UUID(k)): v for k, v in stored.items()} == devices_hashes
        assert query(
            base, "SELECT count(*) FROM visits_codedperson WHERE code = ?", PERSON_CODE
        ) == [(1,)]
        assert query(base, "SELECT count(*) FROM visits_response") >= [(1,)]

        # Syncing again sends nothing and duplicates nothing.
        page.click("#sync-now")
        page.wait_for_selector("#progress", state="hidden")
        assert query(base, "SELECT count(*) FROM visits_interview") == [(1,)]
        context.close()


def test_the_same_uuid_with_other_content_is_kept_and_shown(
    demo_server: str, tmp_path: Path
) -> None:
    """409: the server already holds another record under this UUID; the tablet keeps its own."""
    from playwright.sync_api import sync_playwright

    base = demo_server
    with sync_playwright() as playwright:
        context, page = signed_in_tablet(playwright, base, tmp_path / "tablet", "demo-participant")
        context.set_offline(True)
        page.click(".visit-card")
        page.click("a[href$='/interview']")
        page.wait_for_selector("form.record-form")
        page.select_option("[name='kind']", "staff")
        page.check("[name='consent_interview']")
        page.fill("[name='notes']", "Беседа с дежурным")
        page.wait_for_selector("#save-status[data-kind=saved]")
        finalize_record(page)
        page.wait_for_selector(".records li")
        record_uuid = json.loads(page.evaluate(DUMP_DATABASE))["outbox"][0]["uuid"]

        # Someone (a second tablet with a copied profile, say) sent other content first.
        status, issued = post_json(
            f"{base}/api/v1/auth/device-token",
            {
                "username": "demo-participant",
                "password": DEMO_PASSWORD,
                "otp": None,
                "device_name": "x",
            },
        )
        assert status == 201
        envelope = seal_record(base, issued["token"], record_uuid, note="Другое содержание")
        status, _receipt = post_json(
            f"{base}/api/v1/field/submissions",
            {"uuid": record_uuid, "envelope": envelope},
            issued["token"],
        )
        assert status == 201

        context.set_offline(False)
        page.click("#sync-now")
        page.wait_for_selector("#progress", state="hidden", timeout=60000)
        page.wait_for_timeout(500)
        assert page.get_attribute("#notice", "data-kind") == "error", page.inner_text("#notice")
        outbox = json.loads(page.evaluate(DUMP_DATABASE))["outbox"]
        assert [row["status"] for row in outbox] == ["conflict"]
        page.goto(f"{base}/field/#/outbox")
        page.wait_for_selector("table.data")
        assert "conflict" in page.inner_text("table.data") or "конфликт" in page.inner_text(
            "table.data"
        )
        context.close()


def test_a_package_that_cannot_fit_is_refused_and_nothing_is_stored(
    demo_server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base = demo_server
    with sync_playwright() as playwright:
        context = launch(playwright, tmp_path / "tablet")
        # A tablet with almost no free storage left for this app.
        context.add_init_script(
            "navigator.storage.estimate = async () => ({quota: 200000, usage: 150000});"
        )
        page = context.new_page()
        first_use(page, base, "demo-leader")
        page.wait_for_selector("#notice[data-kind=error]", timeout=30000)
        assert page.locator(".visit-card").count() == 0
        meta_keys = page.evaluate(
            """async () => {
              const db = await new Promise((ok) => { const r = indexedDB.open('kuzet-field'); r.onsuccess = () => ok(r.result); });
              const keys = await new Promise((ok) => { const r = db.transaction('meta').objectStore('meta').getAllKeys(); r.onsuccess = () => ok(r.result); });
              db.close();
              return keys;
            }"""
        )
        assert "package" not in meta_keys and "token" in meta_keys  # signed in, nothing downloaded
        context.close()
