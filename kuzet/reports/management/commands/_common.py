"""What the report commands share: writing the file and saying what was made."""

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError

from kuzet.reports.models import GeneratedReport
from kuzet.reports.services import report_content


def one_line(exc: ValidationError | PermissionDenied) -> CommandError:
    messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
    return CommandError(" ".join(str(m) for m in messages))


def write_out(command: Any, report: GeneratedReport, out: Path) -> None:
    if report.status != GeneratedReport.Status.DONE:
        raise CommandError(f"the report could not be generated: {report.error}")
    try:
        out.write_bytes(report_content(report))
    except OSError as exc:
        raise CommandError(f"cannot write {out}: {exc.strerror}") from None
    command.stdout.write(
        f"{out}: {report.size} bytes, data SHA-256 {report.data_sha256}, "
        f"{report.duration_seconds:.1f} s (report {report.uuid})"
    )
