"""The scheduled jobs (deploy/systemd timers, deploy/compose/scheduler.sh) are harmless
when run twice: a missed run caught up after a reboot, or two servers' timers at once."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from kuzet.core.audit import audit_append
from kuzet.core.models import AuditAction

pytestmark = pytest.mark.django_db
JOBS = [
    "expire_uploads",
    "expire_reports",
    "anchor_audit",
    "catch_up_dashboard_facts",
    "recover_reports",
    "apply_application_retention",
]


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_every_scheduled_job_run_twice_leaves_what_one_run_leaves(
    tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AUDIT_ANCHOR_FILE = tmp_path / "anchors.jsonl"
    settings.AUDIT_ANCHOR_EMAILS = []
    audit_append(action=AuditAction.LOGIN, object_type="people.user", object_id="1")
    first = {job: run(job) for job in JOBS}
    second = {job: run(job) for job in JOBS}
    assert second["expire_uploads"].startswith("0 expired")
    assert second["expire_reports"].startswith("0 generated")
    assert second["recover_reports"].startswith("0 report(s) queued again, 0 failed")
    assert second["apply_application_retention"].startswith("0 application(s) anonymised, 0")
    assert "0 visits recounted" in second["catch_up_dashboard_facts"]
    # Two anchors of the same head: both verify, the chain is intact.
    assert first["anchor_audit"] == second["anchor_audit"]
    assert len(settings.AUDIT_ANCHOR_FILE.read_text().splitlines()) == 2
    assert "intact" in run("verify_audit", "--anchors", str(settings.AUDIT_ANCHOR_FILE)).lower()
