"""Memory of the field app's page while it records fake video (Debian's Chromium).

    .venv/bin/python bench/field_recording.py [SECONDS]     # default 600 (ten minutes)

Builds a throw-away demo server, signs in as demo-leader, starts a video recording from
Chromium's fake camera (--use-fake-device-for-media-stream) and samples the page's
JavaScript heap (CDP Performance.getMetrics: JSHeapUsedSize) every 10 s, with the bytes
stored so far. A recording kept in memory would grow the heap with the video; the app
writes each 3-second slice, encrypted, to IndexedDB as it arrives, so the heap should stay
flat while the stored size grows.
"""

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]  # fmt: skip
PASSPHRASE = "долгая дорога в дюнах"  # noqa: S105  (a throw-away profile)
DEMO_PASSWORD = "kuzet-demo-2026"  # noqa: S105  (kuzet.people.demo)


def main(seconds: int) -> None:
    from playwright.sync_api import sync_playwright

    var = Path(tempfile.mkdtemp(prefix="kuzet-bench-rec-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUZET_", "DATABASE_URL"))}
    env.update(KUZET_DEBUG="1", KUZET_DEMO="1", KUZET_VAR_DIR=str(var))
    for command in (["migrate", "--no-input"], ["load_library"], ["load_demo_data"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload", "127.0.0.1:8766"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = "http://127.0.0.1:8766"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310
            break
        except OSError:
            time.sleep(0.3)
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                str(var / "profile"), executable_path=CHROMIUM, args=ARGS, locale="ru-RU"
            )
            page = context.new_page()
            page.on("dialog", lambda dialog: dialog.accept())
            page.goto(f"{base}/field/")
            page.fill("#passphrase", PASSPHRASE)
            page.fill("#repeat", PASSPHRASE)
            page.click("#set-passphrase button")
            page.fill("#username", "demo-leader")
            page.fill("#password", DEMO_PASSWORD)
            page.click("#sign-in button")
            page.click(".visit-card", timeout=60000)
            page.wait_for_selector("#record-video")
            cdp = context.new_cdp_session(page)
            cdp.send("Performance.enable")
            page.click("#record-video")
            page.wait_for_selector("#stop-recording")
            print("| seconds | JS heap used (MiB) | stored so far |\n|---:|---:|---|")
            started = time.monotonic()
            while (elapsed := time.monotonic() - started) < seconds:
                metrics = {
                    m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]
                }
                stored = page.inner_text("#recording-status")
                print(
                    f"| {elapsed:.0f} | {metrics['JSHeapUsedSize'] / 2**20:.1f} | {stored} |",
                    flush=True,
                )
                page.wait_for_timeout(10000)
            page.click("#stop-recording")
            page.wait_for_selector("#notice[data-event=media-stored]", timeout=120000)
            print(f"\nStored: {page.inner_text('#notice')}")
            context.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
