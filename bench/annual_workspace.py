"""Benchmark: the annual report's editorial workspace on a large year — the page (every
chapter's candidate examples, 30 each), choosing a chapter's examples, and the data of the
report with the choice — on the synthetic year of ``bench/reports.py``.

    .venv/bin/python bench/annual_workspace.py --visits 10000
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=10000)
    parser.add_argument("--year", type=int, default=2026)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="kuzet-bench-")
    os.environ.setdefault("KUZET_DEBUG", "0")
    os.environ.setdefault(
        "KUZET_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef"
    )
    os.environ.setdefault("KUZET_SSL_REDIRECT", "0")
    os.environ["KUZET_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuzet.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor == "sqlite":
        settings.DATABASES["default"]["TEST"]["NAME"] = str(Path(tmp) / "bench.sqlite3")
    (Path(tmp) / "static").mkdir()
    settings.ALLOWED_HOSTS = ["*"]
    old = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        run(args.visits, args.year, connection.vendor)
    finally:
        teardown_databases(old, verbosity=0)


def run(count: int, year: int, vendor: str) -> None:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bench.reports import build_year
    from kuzet.core.audit import acting_as
    from kuzet.core.policy import Role
    from kuzet.people.models import User
    from kuzet.reports.annual_data import annual_report_data, example_pools
    from kuzet.reports.editorial import annual_edition_open, examples_of, section_examples_set

    started = time.perf_counter()
    build_year(count, year)
    print(
        f"database: {vendor}; {count} approved visits (built in {time.perf_counter() - started:.0f} s)"
    )
    editor = User.objects.create(
        username="bench-editor", full_name="Редактор", role=Role.SECRETARIAT
    )
    with acting_as(editor):
        edition = annual_edition_open(actor=editor, year=year)

    def timed(label: str, work):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        result = work()
        print(f"{label}: {time.perf_counter() - began:.2f} s")
        return result

    pools = timed("candidates of every chapter (example_pools)", lambda: example_pools(year, "ru"))
    code, pool = max(pools.items(), key=lambda item: len(item[1]))
    chapter = edition.sections.get(key=f"chapter:{code}")
    chosen = [c["finding"] for c in pool][::-3][:6]
    with acting_as(editor):
        timed(
            "choosing 6 examples (section_examples_set)",
            lambda: section_examples_set(actor=editor, section=chapter, findings=chosen, was=[]),
        )
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(editor)
    # The secretariat signs in with a second factor: a verified one, as the tests do.
    device = TOTPDevice.objects.create(user=editor, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    page = timed(
        "the workspace page (GET)", lambda: client.get(f"/reports/annual/{year}/workspace/")
    )
    print(f"  status {page.status_code}, {len(page.content) // 1024} KiB")
    assert page.status_code == 200, page.status_code
    data = timed(
        "the report's data with the choice (ru)",
        lambda: annual_report_data(
            start=date(year, 1, 1),
            end=date(year, 12, 31),
            language="ru",
            examples=examples_of(edition),
        ),
    )
    printed = next(c for c in data["chapters"] if c["code"] == code)
    assert [c["finding"] for c in printed["candidates"]] == chosen
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB")


if __name__ == "__main__":
    main()
