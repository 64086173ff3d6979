"""A seized tablet yields nothing: the whole Chromium profile is searched for what was typed.

Marker texts are entered in the field app as drafts and as finalized records (interviews,
findings, checklists, a photo); the browser is closed, opened again once and closed. Then
every file of the profile directory is searched for every marker in UTF-8, UTF-16-LE and
base64: the app's own stores are encrypted, and nothing else Chromium keeps (autocomplete,
session restore, caches) may hold a record's text either.
"""

import base64
import os
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from kuzet.field.tests.tablet import (
    FILL_EVERYTHING,
    PASSPHRASE,
    finalize_record,
    launch,
    show_question,
    signed_in_tablet,
)

pytestmark = pytest.mark.browser
FINDING_WORDS = "в камерах нет вентиляции окна закрыты наглухо воздух тяжёлый с утра до вечера"

# Each marker is unlike anything Chromium writes on its own.
DRAFT = {
    "interview name": "Qzdraftname Абдрахманов Ерлан",
    "interview code": "QZDRAFT-5531",
    "interview cell": "Qzdraftcell камера 23",
    "interview notes": "Qzdraftnote окно разбито с осени",
    "finding title": "Qzdrafttitle сырость в камере",
    "finding description": f"Qzdraftdesc {FINDING_WORDS}",
    "checklist text": "Qzdraftcheck матрасы порваны",
    "checklist number": "4739",
}
FINAL = {
    "interview name": "Qzfinalname Тлеубердиев Нуржан",
    "interview code": "QZFINAL-4417",
    "interview cell": "Qzfinalcell камера 17",
    "interview notes": "Qzfinalnote жалобы на питание",
    "finding title": "Qzfinaltitle нет вентиляции",
    "finding description": f"Qzfinaldesc {FINDING_WORDS}",
    "checklist text": "Qzfinalcheck душ раз в неделю",
    "checklist number": "3618",
}
PHOTO_NAME = "qzphotoname-tleuberdiev.png"
PHOTO_TEXT = b"Qzphotobytes-tleuberdiev-0042"

# The first empty text and integer questions of the open checklist, by path.
FIRST_TEXT_AND_NUMBER = """() => {
  const pick = (types) => [...document.querySelectorAll('form.response-form .question')]
    .find((q) => !q.closest('[hidden]') && types.includes(q.dataset.type) && q.querySelector('input, textarea'))?.dataset.path;
  return [pick(['text', 'long_text']), pick(['integer'])];
}"""


def photo(path: Path) -> Path:
    """A small valid PNG whose bytes carry a marker (a tEXt chunk)."""
    width = height = 4
    raw = b"".join(b"\x00" + b"\x60\x60\x60" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"tEXt", b"Comment\x00" + PHOTO_TEXT)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return path


def encodings(marker: bytes) -> dict[str, list[bytes]]:
    """The marker as it may lie in a file: UTF-8, UTF-16-LE, and base64 at each of the three
    alignments (the middle of the encoding, which does not depend on the bytes around it)."""
    forms = {"UTF-8": [marker], "UTF-16-LE": [marker.decode().encode("utf-16-le")]}
    if len(marker) >= 12:
        shifted = []
        for offset in range(3):
            text = base64.b64encode(b"\x00" * offset + marker).rstrip(b"=")
            shifted.append(text[4 if offset else 0 : -4])
        forms["base64"] = shifted
    return forms


# A UUID in UTF-8 and in UTF-16-LE, with hyphens or (as Chromium's session files write
# them) underscores. The profile holds about a hundred random ones a run: a group of four
# digits in one is a random number, and a version-4 UUID's third group is "4" and three random
# digits, so a typed 4xxx number turned up in about one run in forty. Typed text never lies
# inside a UUID.
UUIDS = {
    wide: re.compile(sep.join(b"(?:%s){%d}" % (hexdigit, n) for n in (8, 4, 4, 4, 12)))
    for wide, hexdigit, sep in (
        (False, b"[0-9a-fA-F]", b"[-_]"),
        (True, b"[0-9a-fA-F]\x00", b"[-_]\x00"),
    )
}


def contains(content: bytes, needle: bytes) -> bool:
    """A number counts only standing alone: not inside a longer run of hexadecimal digits —
    a longer number, a hash, a token (a fresh-clone CI run once found the draft's number
    in UTF-16 in Chromium's IndexedDB log, outside any UUID, and no later run found it
    again: such runs hold any four digits by chance) — nor inside a UUID (the checklist's number questions allow at most four digits, so the
    marker cannot be made longer)."""
    if not needle.replace(b"\x00", b"").isdigit():
        return needle in content
    wide = b"\x00" in needle
    digit = b"[0-9a-fA-F]\x00" if wide else b"[0-9a-fA-F]"
    found = re.finditer(b"(?<!" + digit + b")" + re.escape(needle) + b"(?!" + digit + b")", content)
    spans = [(m.start(), m.end()) for m in found]
    if not spans:
        return False
    uuids = [m.span() for m in UUIDS[wide].finditer(content)]
    return any(not any(u <= start and end <= v for u, v in uuids) for start, end in spans)


def markers_found(profile: Path, markers: dict[str, bytes]) -> list[str]:
    found = []
    for path in sorted(p for p in profile.rglob("*") if p.is_file() and not p.is_symlink()):
        content = path.read_bytes()
        for name, marker in markers.items():
            for encoding, needles in encodings(marker).items():
                if any(contains(content, needle) for needle in needles):
                    found.append(f"{path.relative_to(profile)}: {name} ({encoding})")
    return found


def type_into(page: Any, selector: str, text: str) -> None:
    """Typed key by key, as a monitor types (the browser's autocomplete watches typing)."""
    page.click(selector)
    page.keyboard.type(text)


def open_visit(page: Any) -> None:
    page.goto(page.url.split("#")[0] + "#/")
    page.wait_for_selector(".visit-card")
    page.click(".visit-card")
    page.wait_for_selector("a[href$='/interview']")


def interview(page: Any, values: dict[str, str]) -> None:
    page.click("a[href$='/interview']")
    page.wait_for_selector("form.record-form")
    type_into(page, "[name='person_code']", values["interview code"])
    type_into(page, "[name='identity.full_name']", values["interview name"])
    type_into(page, "[name='identity.cell']", values["interview cell"])
    page.check("[name='consent_interview']")
    type_into(page, "[name='notes']", values["interview notes"])


def finding(page: Any, values: dict[str, str]) -> None:
    page.click("a[href$='/finding']")
    page.wait_for_selector("form.record-form")
    page.select_option("[name='theme']", index=1)
    type_into(page, "[name='title']", values["finding title"])
    type_into(page, "[name='description']", values["finding description"])
    page.locator("[name='sources']").first.check()
    page.select_option("[name='severity']", index=1)


def checklist(page: Any, values: dict[str, str], *, complete: bool) -> None:
    page.click("a[href*='/response/']:has-text('ИВС')")
    page.wait_for_selector("form.response-form")
    text_path, number_path = page.evaluate(FIRST_TEXT_AND_NUMBER)
    assert text_path and number_path, "the ИВС checklist has a text and a number question"
    show_question(page, text_path)
    type_into(page, f"[name='{text_path}']", values["checklist text"])
    show_question(page, number_path)
    type_into(page, f"[name='{number_path}']", values["checklist number"])
    if complete:
        for _ in range(5):
            if page.evaluate(FILL_EVERYTHING) == 0:
                break


def finalize(page: Any) -> None:
    page.wait_for_selector("#save-status[data-kind=saved]")
    finalize_record(page)
    page.wait_for_function(
        "() => !document.querySelector('#finalize') || !document.querySelector('#problems').hidden"
    )
    assert page.locator("#finalize").count() == 0, page.inner_text("#problems")


def keep_as_draft(page: Any) -> None:
    page.wait_for_selector("#save-status[data-kind=saved]")
    open_visit(page)


def test_nothing_typed_is_found_anywhere_in_the_browser_profile(
    demo_server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base = demo_server
    profile = tmp_path / "tablet"
    picture = photo(tmp_path / PHOTO_NAME)
    with sync_playwright() as playwright:
        context, page = signed_in_tablet(playwright, base, profile, "demo-leader")
        page.evaluate("navigator.serviceWorker.ready")
        context.set_offline(True)  # finalized records stay on the tablet
        open_visit(page)

        interview(page, FINAL)
        finalize(page)
        interview(page, DRAFT)
        keep_as_draft(page)
        finding(page, FINAL)
        finalize(page)
        finding(page, DRAFT)
        keep_as_draft(page)
        checklist(page, FINAL, complete=True)
        finalize(page)
        checklist(page, DRAFT, complete=False)
        keep_as_draft(page)
        page.set_input_files("#photo-input", str(picture))
        page.wait_for_selector("#notice[data-event=media-stored]")
        page.goto(f"{base}/field/#/outbox")
        page.wait_for_selector("table.data")
        # With the passphrase, finalized records are listed by type and time only.
        shown = page.inner_text("body") + page.inner_text("#app")
        open_visit(page)
        shown += page.inner_text("#app") + page.inner_html("#app")
        assert [name for name, text in FINAL.items() if text in shown and not text.isdigit()] == []
        # Closed in the middle of writing: a draft's form open, words just typed.
        open_visit(page)
        page.click(f".records a:has-text('{DRAFT['interview code']}')")
        page.wait_for_selector("form.record-form")
        type_into(page, "[name='notes']", " Qzlastwords")
        context.close()

        # Opened again, unlocked, looked around, closed: what a monitor does the next day.
        context = launch(playwright, profile)
        page = context.new_page()
        page.goto(f"{base}/field/")
        page.wait_for_selector("#unlock")
        page.fill("#passphrase", PASSPHRASE)
        page.click("#unlock button")
        page.wait_for_selector(".visit-card")
        open_visit(page)
        page.click(".records a[href^='#/edit/']")
        page.wait_for_selector("form")
        context.close()

    markers = {
        f"{kind} {name}": text.encode()
        for kind, group in (("draft", DRAFT), ("final", FINAL))
        for name, text in group.items()
    }
    markers["words typed before closing"] = b"Qzlastwords"
    markers["photo file name"] = PHOTO_NAME.encode()
    markers["photo bytes"] = PHOTO_TEXT
    found = markers_found(profile, markers)
    assert found == [], "record text found in the browser profile:\n" + "\n".join(found)
    assert os.path.isdir(profile / "Default")  # the profile searched is Chromium's own


STORE_SIZES = """async () => {
  const db = await new Promise((ok, no) => { const r = indexedDB.open('kuzet-field'); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
  const out = {};
  for (const name of db.objectStoreNames) {
    out[name] = await new Promise((ok) => { const r = db.transaction(name).objectStore(name).count(); r.onsuccess = () => ok(r.result); });
  }
  db.close();
  return out;
}"""


def test_a_record_finalized_straight_from_typing_never_comes_back_as_a_draft(
    demo_server: str, tmp_path: Path
) -> None:
    """Type, then click "Finalize" at once: the draft save still waiting must not write it back."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context, page = signed_in_tablet(
            playwright, demo_server, tmp_path / "tablet", "demo-participant"
        )
        context.set_offline(True)
        open_visit(page)
        for attempt in range(3):
            page.click("a[href$='/interview']")
            page.wait_for_selector("form.record-form")
            page.select_option("[name='kind']", "staff")
            page.check("[name='consent_interview']")
            page.wait_for_selector("#save-status[data-kind=saved]")
            type_into(page, "[name='notes']", f"Беседа с дежурным {attempt}")
            finalize_record(page)
            page.wait_for_selector("#finalize", state="detached")
            page.wait_for_timeout(1500)  # longer than the app waits before saving a draft
            sizes = page.evaluate(STORE_SIZES)
            assert (sizes["drafts"], sizes["outbox"]) == (0, attempt + 1), sizes
            assert page.locator(".records a[href^='#/edit/']").count() == 0
        context.close()


def test_wrong_passphrases_slow_down_and_finally_erase_the_tablet(
    demo_server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context, page = signed_in_tablet(
            playwright, demo_server, tmp_path / "tablet", "demo-participant"
        )
        page.reload()
        page.wait_for_selector("#unlock")
        assert "10" in page.inner_text("#erase-rule")
        for failure in range(1, 6):
            page.fill("#passphrase", "не тот пароль")
            page.click("#unlock button")
            page.wait_for_selector("#notice[data-event=wrong-passphrase]")
            page.evaluate("document.getElementById('notice').dataset.event = ''")
            if 3 <= failure < 5:  # from the third failure on, the next try waits 1 s, then 2 s
                page.wait_for_timeout(2 ** (failure - 3) * 1000 + 300)
        # After the fifth the next try waits 4 s, and a reload does not reset the count.
        page.reload()
        page.wait_for_selector("#unlock")
        page.wait_for_function(
            "() => document.getElementById('failures').textContent.includes('5')"
        )
        page.fill("#passphrase", PASSPHRASE)
        page.click("#unlock button")
        page.wait_for_selector("#notice[data-event=wait]")
        assert page.locator(".visit-card").count() == 0
        page.wait_for_timeout(4300)
        page.fill("#passphrase", PASSPHRASE)
        page.click("#unlock button")
        page.wait_for_selector(".visit-card")  # the right passphrase, after the pause
        assert page.evaluate(STORE_SIZES)["meta"] > 0

        # The counter starts again from zero; nine failures stored (as after a long night),
        # then one more: everything on the tablet is erased.
        page.evaluate(
            """async () => {
              const db = await new Promise((ok) => { const r = indexedDB.open('kuzet-field'); r.onsuccess = () => ok(r.result); });
              await new Promise((ok) => { const tx = db.transaction('meta', 'readwrite');
                tx.objectStore('meta').put({count: 9, last_at: '2000-01-01T00:00:00Z'}, 'unlock_failures');
                tx.oncomplete = ok; });
              db.close();
            }"""
        )
        page.reload()
        page.wait_for_selector("#unlock")
        page.fill("#passphrase", "не тот пароль")
        page.click("#unlock button")
        page.wait_for_selector("#notice[data-event=erased]")
        page.wait_for_selector("#set-passphrase")
        names = page.evaluate("indexedDB.databases().then((all) => all.map((d) => d.name))")
        assert "kuzet-field" not in names or page.evaluate(STORE_SIZES)["meta"] == 0
        context.close()
