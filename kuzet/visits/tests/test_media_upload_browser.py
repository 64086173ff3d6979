"""A web upload of evidence through the resumable tus endpoint, in Chromium: the page shows
its progress, and a connection cut in the middle continues from the server's offset."""

import hashlib
from pathlib import Path
from typing import Any

import pytest

from kuzet.core.tests.browser import png, route_upload_chunks, sign_in
from kuzet.visits.tests.browser_visits import visit_in_progress

pytestmark = pytest.mark.browser
MIB = 1024 * 1024


def test_upload_shows_progress_and_resumes_after_a_cut(
    browser_page: Any, demo_server: str, tmp_path: Path
) -> None:
    page, base = browser_page, demo_server
    sign_in(page, base, "demo-leader")
    visit_url = visit_in_progress(page, base, "2026-11-21", "Проверка загрузки материалов")

    # A 9 MiB photo: three chunks of 4 MiB.
    path = tmp_path / "yard.png"
    data = png(path) + bytes(9 * MIB)
    path.write_bytes(data)

    patches: list[int] = []
    held: list[Any] = []

    def on_chunk(route: Any) -> None:
        offset = int(route.request.headers["upload-offset"])
        patches.append(offset)
        if offset == 4 * MIB and patches.count(offset) == 1:
            route.abort("connectionreset")  # the network drops in the middle of the file
        elif offset == 8 * MIB:
            held.append(route)  # answered below, once the progress has been read
        else:
            route.continue_()

    route_upload_chunks(page, on_chunk)
    page.goto(f"{base}{visit_url}media/")
    page.set_input_files("#id_file", str(path))
    page.select_option("#id_kind", "photo")
    page.fill("#id_description", "Прогулочный двор")
    page.click("#media-upload button.btn")

    page.wait_for_function(
        "() => document.querySelector('.upload-progress[data-state=sending] progress')"
        "?.value >= 8 * 1024 * 1024"
    )
    progress = page.locator(".upload-progress")
    assert progress.is_visible()
    assert "Отправка" in progress.inner_text()
    assert "%" in progress.inner_text()
    held[0].continue_()

    page.wait_for_url(f"{base}{visit_url}media/")
    digest = hashlib.sha256(data).hexdigest()
    assert digest in page.inner_text(".messages")
    assert page.get_attribute("code[title]", "title") == digest
    assert "Прогулочный двор" in page.inner_text("main")
    # Cut at 4 MiB, then continued from there: the first 4 MiB were not sent twice.
    assert patches == [0, 4 * MIB, 4 * MIB, 8 * MIB]
