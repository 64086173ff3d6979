"""Helpers for end-to-end tests in Debian's Chromium, driven by Playwright.

The server runs as its own process (``manage.py runserver``) on a fresh SQLite file built
with ``migrate`` and ``load_demo_data``, exactly as ``make run`` builds it; the tests then
sign in and click like a person would. Without /usr/bin/chromium the browser tests are
skipped, unless KUZET_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

import os
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("KUZET_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); browser tests skipped")


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


# The variable directory (SQLite file, media) of each demo server, by its base URL: tests
# that must look at what the server stored read its database file directly.
DEMO_VAR_DIRS: dict[str, Path] = {}


class DemoServer:
    """A Kuzet demo server in its own process, on its own database under ``var_dir``, built
    as ``make run`` builds it (``migrate``, ``load_library``, ``load_demo_data --no-year``).
    E-mails go to files under var_dir/mail: a test reads a link as a person would. A test
    may stop and start it again (an upload across a restart)."""

    def __init__(self, var_dir: Path) -> None:
        require_chromium()
        self.var_dir = Path(var_dir)
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("KUZET_", "DATABASE_URL"))
        }
        self.env.update(
            KUZET_DEBUG="1",
            KUZET_DEMO="1",
            KUZET_VAR_DIR=str(self.var_dir),
            KUZET_EMAIL_BACKEND="file",
        )
        _manage(self.env, "migrate", "--no-input")
        _manage(self.env, "load_library")
        _manage(self.env, "load_demo_data", "--no-year")
        self.base = f"http://127.0.0.1:{_free_port()}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.var_dir / "server.log"
        DEMO_VAR_DIRS[self.base] = self.var_dir

    def start(self) -> None:
        """Start the server and wait until it answers ``/healthz``. What it prints goes to
        ``server.log`` in its variable directory (a failing test can show its tail)."""
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", "--noreload", self.base.split("//")[1]],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the demo server did not start") from None
                time.sleep(0.3)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a Kuzet demo server in its own process, on its own database."""
    server = DemoServer(tmp_path_factory.mktemp("kuzet-var"))
    try:
        server.start()
        yield server.base
    finally:
        server.stop()


# The tus endpoint of resumable uploads (web form and field app).
UPLOADS = "**/api/v1/uploads/**"


def route_upload_chunks(page: Any, on_chunk: Callable[[Any], None]) -> list[int]:
    """Hand each chunk of a tus upload (its PATCH request) to ``on_chunk(route)``, which
    continues, alters, holds or aborts it; every other request goes on untouched. Returns
    the list the statuses of the chunks' answers are appended to, in order."""
    page.route(
        UPLOADS,
        lambda route: on_chunk(route) if route.request.method == "PATCH" else route.continue_(),
    )
    answers: list[int] = []
    page.on(
        "response",
        lambda response: (
            answers.append(response.status) if response.request.method == "PATCH" else None
        ),
    )
    return answers


@pytest.fixture
def browser_page(demo_server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


def sign_in(page: Any, base: str, username: str) -> None:
    """Sign in on the demo server as a demo user and land on the home page ("my work")."""
    from kuzet.people.demo import DEMO_PASSWORD

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form button.btn")
    page.wait_for_url(f"{base}/")


def png(path: Path) -> bytes:
    """A small valid PNG (a grey square), written to ``path``."""
    width = height = 8
    raw = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    path.write_bytes(data)
    return data
