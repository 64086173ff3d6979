"""Field app in Debian's Chromium: opening offline, a 500-question form, typing with 10,000
stored answers, sync of 100 records.

    .venv/bin/python bench/field_app.py

Builds a throw-away demo server (SQLite, as `make run`), signs in as demo-leader in a fresh
Chromium profile, then measures in the page with performance.now():

1. opening the app offline: from navigation to the lock screen, and from the passphrase
   to an interactive visit list (PBKDF2 with 600,000 iterations is most of it);
2. rendering a 500-question instrument (built here, 10 sections, with conditions);
3. typing with 10,000 stored answers (20 drafts of that instrument): the time the input
   handler takes per keystroke (conditions + collecting the answers), and the time to
   encrypt and store the draft;
4. sealing and syncing 100 interview records (in batches of 20, each batch confirmed with
   one receipts request, a tombstone each).
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PASSPHRASE = "долгая дорога в дюнах"  # noqa: S105  (a throw-away profile)
DEMO_PASSWORD = "kuzet-demo-2026"  # noqa: S105  (kuzet.people.demo; importing it needs Django set up)


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def instrument(questions: int = 500) -> dict[str, object]:
    """A checklist of ``questions`` questions in 10 sections; every fifth has a condition."""
    label = {"ru": "Вопрос", "kk": "Сұрақ"}
    sections = []
    per = questions // 10
    for s in range(10):
        items = []
        for q in range(per):
            name = f"q{s}_{q}"
            item: dict[str, object] = {
                "kind": "question",
                "name": name,
                "type": "compliance",
                "label": {"ru": f"Пункт {s}.{q}: условия", "kk": f"Тармақ {s}.{q}"},
            }
            if q % 5 == 4:
                item = {
                    "kind": "question",
                    "name": name,
                    "type": "long_text",
                    "label": label,
                    "relevant": ["selected", ["ref", f"q{s}_{q - 1}"], "non_compliant"],
                }
            items.append(item)
        sections.append(
            {"name": f"s{s}", "label": {"ru": f"Раздел {s}", "kk": f"Бөлім {s}"}, "items": items}
        )
    compliance = [
        {"name": n, "label": {"ru": n, "kk": n}}
        for n in ("compliant", "partly", "non_compliant", "not_checked")
    ]
    return {"format": "kuzet-instrument/1", "code": "bench", "version": "1", "kind": "checklist",
            "title": {"ru": "Бенчмарк", "kk": "Бенчмарк"}, "choice_lists": {"compliance": compliance},
            "sections": sections}  # fmt: skip


def main() -> None:
    from playwright.sync_api import sync_playwright

    var = Path(tempfile.mkdtemp(prefix="kuzet-bench-field-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUZET_", "DATABASE_URL"))}
    env.update(KUZET_DEBUG="1", KUZET_DEMO="1", KUZET_VAR_DIR=str(var))
    manage(env, "migrate", "--no-input")
    manage(env, "load_library")
    manage(env, "load_demo_data")
    port = 8765
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310
            break
        except OSError:
            time.sleep(0.3)
    results: dict[str, str] = {}
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
            page.wait_for_selector(".visit-card", timeout=60000)
            page.evaluate("navigator.serviceWorker.ready")

            # 1. Opening offline.
            context.set_offline(True)
            to_lock, to_list = [], []
            for _ in range(5):
                started = time.perf_counter()
                page.reload()
                page.wait_for_selector("#unlock")
                to_lock.append((time.perf_counter() - started) * 1000)
                page.fill("#passphrase", PASSPHRASE)
                started = time.perf_counter()
                page.click("#unlock button")
                page.wait_for_selector(".visit-card")
                to_list.append((time.perf_counter() - started) * 1000)
            results["open offline → lock screen"] = f"median {statistics.median(to_lock):.0f} ms"
            results["passphrase → interactive visit list"] = (
                f"median {statistics.median(to_list):.0f} ms"
            )

            # 2. and 3. A 500-question form; typing with 10,000 stored answers.
            document = instrument(500)
            measured = page.evaluate(
                """async (doc) => {
                  const { instrumentForm } = await import('/static/field/form.js');
                  const store = await import('/static/field/store.js');
                  const renders = [];
                  let form;
                  for (let i = 0; i < 5; i++) {
                    const t0 = performance.now();
                    form = instrumentForm(doc, {}, 'ru', () => {});
                    document.body.append(form);
                    form.getBoundingClientRect();  // layout
                    renders.push(performance.now() - t0);
                    if (i < 4) form.remove();
                  }
                  const answers = {};
                  for (const s of doc.sections) for (const q of s.items) answers[q.name] = q.type === 'compliance' ? 'compliant' : 'текст';
                  for (let d = 0; d < 20; d++) {
                    await store.saveDraft({ uuid: crypto.randomUUID(), type: 'response', visit: 1, data: { version: 0, answers } });
                  }
                  const input = form.querySelector('textarea') || form.querySelector('input');
                  const handler = [];
                  const saves = [];
                  let collected = null;
                  const live = instrumentForm(doc, answers, 'ru', (a) => { collected = a; });
                  form.replaceWith(live);
                  const field = live.querySelector('.q-long_text:not([hidden]) textarea') || live.querySelector('textarea');
                  for (let k = 0; k < 50; k++) {
                    field.value += 'а';
                    const t0 = performance.now();
                    field.dispatchEvent(new Event('input', { bubbles: true }));
                    handler.push(performance.now() - t0);
                    const t1 = performance.now();
                    await store.saveDraft({ uuid: 'typing', type: 'response', visit: 1, data: { version: 0, answers: collected } });
                    saves.push(performance.now() - t1);
                  }
                  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
                  const p95 = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
                  return { render: median(renders), handler: median(handler), handler95: p95(handler),
                           save: median(saves), save95: p95(saves), stored: (await store.drafts()).length };
                }""",
                document,
            )
            results["render a 500-question instrument (build + layout)"] = (
                f"median {measured['render']:.0f} ms"
            )
            results["keystroke handler, 500 questions, 10,000 answers stored"] = (
                f"median {measured['handler']:.1f} ms, p95 {measured['handler95']:.1f} ms"
            )
            results["encrypt + store the draft after a keystroke"] = (
                f"median {measured['save']:.1f} ms, p95 {measured['save95']:.1f} ms"
            )

            # 4. Sync of 100 records.
            context.set_offline(False)
            synced = page.evaluate(
                """async () => {
                  const crypto_ = await import('/static/field/crypto.js');
                  const store = await import('/static/field/store.js');
                  const { sendOutbox } = await import('/static/field/sync.js');
                  const pkg = await store.getSecret('package');
                  const token = (await store.getSecret('token')).token;
                  const visit = pkg.visits[0].id;
                  const t0 = performance.now();
                  for (let i = 0; i < 100; i++) {
                    const uuid = crypto.randomUUID();
                    const now = new Date().toISOString();
                    const record = { uuid, type: 'interview', visit, created_at: now, finalized_at: now, device: 'bench',
                      // Conducted now, after the demo visit's time on site: the note says why.
                      data: { kind: 'staff', conducted_at: now, time_note: 'Беседа по телефону после посещения',
                              person_code: '', identity: {}, consent_interview: true,
                              consent_quote: false, consent_identify: false, consent_transmit: false, vulnerabilities: [],
                              fears_reprisals: null, reprisal_risk: 'unknown', follow_up_on: null, notes: 'Беседа ' + i } };
                    const envelope = await crypto_.sealForServer(pkg, record);
                    await store.putOutbox({ uuid, envelope, hash: await crypto_.envelopeHash(envelope), status: 'pending' },
                                          { uuid, type: 'interview', visit, title: 'bench' });
                  }
                  const t1 = performance.now();
                  const summary = await sendOutbox(token);
                  const sync = performance.now() - t1;
                  // Why records were refused, if any were (the bench stops on it).
                  const problems = (await store.outbox()).slice(0, 3).map((i) => [i.status, i.problem]);
                  return { seal: t1 - t0, sync, summary, problems };
                }"""
            )
            assert synced["summary"]["sent"] == 100, synced
            results["seal 100 records on the device"] = f"{synced['seal']:.0f} ms"
            results["sync 100 records (20 a batch, one receipts request a batch)"] = (
                f"{synced['sync'] / 1000:.1f} s ({synced['sync'] / 100:.0f} ms per record)"
            )
            context.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    version = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"Machine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {version}; "
          "demo server (runserver, SQLite) on the same machine.\n")  # fmt: skip
    print("| what | result |\n|---|---|")
    for what, figure in results.items():
        print(f"| {what} | {figure} |")
    print(json.dumps(results, ensure_ascii=False), file=sys.stderr)


if __name__ == "__main__":
    main()
