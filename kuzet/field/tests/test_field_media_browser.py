"""Photos and recordings in Chromium with a fake camera and microphone.

Record ten seconds of video and take a photo offline; reload; go online and upload: the
server's SHA-256 equals the device's. Then a dedicated server is stopped in the middle of
an upload and started again: the upload resumes from the server's offset, sending again
less than one chunk; and a chunk damaged on the way is refused with 460 and sent again.
"""

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kuzet.core.tests.browser import DEMO_VAR_DIRS, DemoServer, png, route_upload_chunks
from kuzet.field.tests.tablet import PASSPHRASE, first_use
from kuzet.field.tests.tablet import launch as tablet_launch

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("KUZET_SCREENSHOTS", "var/screenshots"))
FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


def sign_in(page: Any, base: str) -> None:
    first_use(page, base, "demo-leader")
    page.wait_for_selector(".visit-card", timeout=30000)
    page.evaluate("navigator.serviceWorker.ready")


def launch(playwright: Any, profile: Path) -> Any:
    return tablet_launch(playwright, profile, *FAKE_MEDIA)


def stored_media(var_dir: Path) -> dict[str, str]:
    connection = sqlite3.connect(f"file:{var_dir / 'kuzet.sqlite3'}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT uuid, sha256 FROM visits_mediaevidence").fetchall()
    finally:
        connection.close()
    return {str(u).replace("-", ""): h for u, h in rows}


def device_hashes(page: Any) -> list[str]:
    return [
        str(title)
        for title in page.locator("#media-list code").evaluate_all("els => els.map(e => e.title)")
    ]


def record_video(page: Any, seconds: float) -> None:
    page.click("#record-video")
    page.wait_for_selector("#stop-recording")
    page.wait_for_timeout(int(seconds * 1000))
    page.click("#stop-recording")
    page.wait_for_selector("#notice[data-event=media-stored]")


def test_record_offline_then_upload_with_matching_hashes(demo_server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    base = demo_server
    # The demo server is shared by the session's browser tests: compare only what this test adds.
    before = stored_media(DEMO_VAR_DIRS[base])
    with sync_playwright() as playwright:
        context = launch(playwright, tmp_path / "tablet")
        page = context.new_page()
        sign_in(page, base)
        context.set_offline(True)
        page.click(".visit-card")
        page.wait_for_selector("#media-card")
        record_video(page, 10)
        png(tmp_path / "corridor.png")
        page.set_input_files("#photo-input", str(tmp_path / "corridor.png"))
        page.wait_for_selector("#media-list li >> nth=1")
        shot_path = SCREENSHOTS / "field-5-media-offline.png"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot_path), full_page=True)
        hashes = device_hashes(page)
        assert len(hashes) == 2 and all(len(h) == 64 for h in hashes)

        page.reload()
        page.wait_for_selector("#unlock")
        page.fill("#passphrase", PASSPHRASE)
        page.click("#unlock button")  # back on the visit's screen
        page.wait_for_selector("#media-list li >> nth=1")
        assert sorted(device_hashes(page)) == sorted(hashes)

        context.set_offline(False)
        page.click("#sync-now")
        page.wait_for_selector("#notice[data-event=synced]", timeout=120000)
        page.wait_for_selector("#media-card")
        assert page.get_attribute("#notice", "data-kind") == "ok", page.inner_text("#media-card")
        assert page.locator("#media-list li").count() == 0
        added = {k: v for k, v in stored_media(DEMO_VAR_DIRS[base]).items() if k not in before}
        assert sorted(added.values()) == sorted(hashes)
        context.close()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[DemoServer]:
    """A demo server of this test's own, which the test stops and starts again."""
    (tmp_path / "var").mkdir()
    server = DemoServer(tmp_path / "var")
    try:
        server.start()
        yield server
    finally:
        server.stop()


def test_an_upload_resumes_after_the_server_restarts_and_a_damaged_chunk_is_resent(
    own_server: DemoServer, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base = own_server.base
    with sync_playwright() as playwright:
        context = launch(playwright, tmp_path / "tablet")
        page = context.new_page()
        sign_in(page, base)
        page.click(".visit-card")
        page.wait_for_selector("#media-card")
        context.set_offline(True)
        record_video(page, 12)
        [device_hash] = device_hashes(page)
        context.set_offline(False)

        sent: list[int] = []
        patches = {"count": 0}

        def on_chunk(route: Any) -> None:
            request = route.request
            body = request.post_data_buffer or b""
            patches["count"] += 1
            if patches["count"] == 2:  # damaged on the way: one byte flipped
                damaged = bytearray(body)
                damaged[len(damaged) // 2] ^= 0xFF
                sent.append(len(body))
                route.continue_(post_data=bytes(damaged))
                return
            if patches["count"] == 4:  # the server goes down in the middle of the upload
                own_server.stop()
            sent.append(len(body))
            route.continue_()

        answers = route_upload_chunks(page, on_chunk)
        page.click("#sync-now")
        page.wait_for_selector("#notice[data-kind=error]", timeout=60000)  # no connection
        assert 460 in answers  # the damaged chunk was refused …
        own_server.start()
        page.click("#sync-now")
        page.wait_for_selector("#notice[data-event=synced]", timeout=120000)
        assert page.get_attribute("#notice", "data-kind") == "ok", page.inner_text("#notice")
        stored = stored_media(own_server.var_dir)
        assert list(stored.values()) == [device_hash]  # … sent again, and the whole file is right
        size = int(
            sqlite3.connect(f"file:{own_server.var_dir / 'kuzet.sqlite3'}?mode=ro", uri=True)
            .execute("SELECT size FROM visits_mediaevidence")
            .fetchone()[0]
        )
        biggest_chunk = max(sent)
        resent = sum(sent) - size
        # Sent again: the damaged chunk and, at most, one chunk cut by the restart.
        assert resent <= 2 * biggest_chunk, (sent, size)
        context.close()
