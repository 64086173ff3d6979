"""Every generated report copies the audit chain's head to the anchor log; a log that
cannot be written does not cost the report."""

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from kuzet.core.models import AuditEvent
from kuzet.people.models import User
from kuzet.reports.models import GeneratedReport
from kuzet.visits.models import Visit

pytestmark = pytest.mark.django_db


def generate(client: Client, visit: Visit) -> GeneratedReport:
    client.post(
        f"/reports/visit/{visit.pk}/generate/",
        {"lang": "ru", "edition": "external", "format": "docx"},
    )
    return GeneratedReport.objects.get()


def test_a_generated_report_writes_an_anchor_of_the_head(
    approved_visit: Visit,
    leader: User,
    english_client_for: Callable[[User], Client],
    settings: Any,
) -> None:
    anchors: Path = settings.AUDIT_ANCHOR_FILE
    assert not anchors.exists()
    report = generate(english_client_for(leader), approved_visit)
    assert report.status == "done"
    (line,) = anchors.read_text(encoding="utf-8").splitlines()
    anchor = json.loads(line)
    # The head just after the report was stored: its own completion is the newest event.
    anchored = AuditEvent.objects.get(id=anchor["id"])
    assert anchored.hash == anchor["hash"]
    assert anchored.object_type == "reports.generatedreport"
    assert anchored.object_id == str(report.pk) and "file_sha256" in anchored.fields
    assert len(anchor["sig"]) == 64


def test_a_failed_anchor_is_logged_and_the_report_kept(
    approved_visit: Visit,
    leader: User,
    english_client_for: Callable[[User], Client],
    settings: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    (tmp_path / "a-file").write_text("")
    settings.AUDIT_ANCHOR_FILE = tmp_path / "a-file" / "audit-anchors.jsonl"
    with caplog.at_level(logging.ERROR, logger="kuzet.core.audit"):
        report = generate(english_client_for(leader), approved_visit)
    assert report.status == "done" and report.file_sha256
    assert [r.getMessage() for r in caplog.records if r.name == "kuzet.core.audit"] == [
        "audit anchor not written: FileExistsError"
    ]
