"""Asking for a report, building it (in a worker or at once) and storing it with its hash.

``visit_spec`` and ``annual_spec`` check who may have the report; ``report_create``
records a ``GeneratedReport`` or reuses an identical one still being generated
(``tasks.report_request`` queues it: the services never import the tasks);
``report_build`` (the task's body) collects the data, hashes it, renders the file and
stores it. ``report_document`` gives the same document for the page on screen.
"""

import hashlib
import logging
import os
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kuzet.core.access import VisitAction
from kuzet.core.crypto import decrypt_bytes, encrypt_bytes
from kuzet.core.policy import Action, can
from kuzet.visits.models import Visit
from kuzet.visits.selectors import visits_for
from kuzet.visits.services.access import visit_access

from .annual_data import annual_report_data
from .document import annual_document, visit_document
from .models import GeneratedReport
from .render import PdfUnavailable, render
from .text import data_sha256, moment
from .visit_data import EDITIONS, INTERNAL, visit_report_data

logger = logging.getLogger(__name__)
G = GeneratedReport
LANGUAGES = tuple(G.Language.values)
FORMATS = tuple(G.Format.values)
RUNNING = (G.Status.QUEUED, G.Status.RUNNING)


@dataclass(frozen=True)
class ReportSpec:
    """What a report is: the visit or the period, the language, the edition."""

    kind: str
    language: str
    edition: str
    start: date
    end: date
    visit: Visit | None = None
    # The annual report with untranslated passages marked (asked for explicitly).
    marked: bool = False
    # A published edition of the annual report: built from its frozen content.
    edition_id: int | None = None


def check_options(*, language: str, edition: str | None = None, fmt: str | None = None) -> None:
    """ValidationError naming every unknown option and what is accepted."""
    errors: dict[str, list[str]] = {}
    if language not in LANGUAGES:
        errors["lang"] = [
            _("Unknown language “%(value)s”: use %(allowed)s.")
            % {"value": language, "allowed": " or ".join(LANGUAGES)}
        ]
    if edition is not None and edition not in EDITIONS:
        errors["edition"] = [
            _("Unknown edition “%(value)s”: use %(allowed)s.")
            % {"value": edition, "allowed": " or ".join(EDITIONS)}
        ]
    if fmt is not None and fmt not in FORMATS:
        errors["format"] = [
            _("Unknown format “%(value)s”: use %(allowed)s.")
            % {"value": fmt, "allowed": " or ".join(FORMATS)}
        ]
    if errors:
        raise ValidationError(errors)


def visit_spec(*, actor: Any, visit: Visit, language: str, edition: str) -> ReportSpec:
    """The spec of a visit report ``actor`` may have; ``actor=None`` is the server's operator
    (management commands). Raises PermissionDenied or ValidationError."""
    check_options(language=language, edition=edition)
    if actor is not None:
        if not visits_for(actor).filter(pk=visit.pk).exists():
            raise PermissionDenied(_("You may not see this visit."))
        # The internal edition names the people met: for those who may see identities.
        if edition == INTERNAL:
            visit_access(actor, visit).check(
                VisitAction.SEE_IDENTITIES,
                _("The internal edition is for the visit's team and the secretariat."),
            )
    return ReportSpec(
        kind=G.Kind.VISIT,
        language=language,
        edition=edition,
        start=visit.planned_date,
        end=visit.planned_date,
        visit=visit,
    )


def annual_spec(
    *, actor: Any, start: date, end: date, language: str, marked: bool = False
) -> ReportSpec:
    check_options(language=language)
    if actor is not None and not can(actor, Action.COMPILE_ANNUAL_REPORT):
        raise PermissionDenied(_("You may not compile the annual report."))
    if end < start:
        raise ValidationError({"period": [_("The period ends before it starts.")]})
    return ReportSpec(
        kind=G.Kind.ANNUAL,
        language=language,
        edition="external",
        start=start,
        end=end,
        marked=marked,
    )


def report_data(spec: ReportSpec, examples: dict[str, list[int]] | None = None) -> dict[str, Any]:
    """The report's data; ``examples`` (annual): the editors' choice by department code."""
    with translation.override(spec.language):
        if spec.kind == G.Kind.VISIT:
            assert spec.visit is not None
            return visit_report_data(spec.visit, edition=spec.edition, language=spec.language)
        data = annual_report_data(
            start=spec.start, end=spec.end, language=spec.language, examples=examples
        )
        data["untranslated_marked"] = spec.marked
        return data


class Untranslated(ValidationError):
    """The annual report has passages not yet in its language (Kazakh, or Russian for a
    Kazakh-first recommendation or finding), and was not asked for with them marked:
    ``passages`` lists them."""

    def __init__(self, passages: list[str], language: str = "kk") -> None:
        self.passages = passages
        message = (
            _(
                "%(n)s passages of the report are not yet in Russian: translate them, or "
                "publish the Russian edition with untranslated passages marked. Missing: "
                "%(list)s"
            )
            if language == "ru"
            else _(
                "%(n)s passages of the report are not yet in Kazakh: translate them, or "
                "publish the Kazakh edition with untranslated passages marked. Missing: "
                "%(list)s"
            )
        )
        super().__init__(
            message % {"n": len(passages), "list": "; ".join(passages[:MISSING_LISTED])}
            + ("; …" if len(passages) > MISSING_LISTED else "")
        )


MISSING_LISTED = 30


class FrozenContentChanged(Exception):
    """A published edition's content no longer matches the SHA-256 stored when it was
    frozen: no file is built from it."""

    def __init__(self, edition: Any) -> None:
        super().__init__(
            _(
                "The published content of edition %(edition)s no longer matches its SHA-256: "
                "nothing is built from it; tell the administrator."
            )
            % {"edition": str(edition)}
        )


def annual_translation_check(spec: ReportSpec, data: dict[str, Any]) -> None:
    """Raise ``Untranslated`` for an annual report with passages not in its language,
    unless it is asked for with them marked. Either language may be written first, so
    either edition may lack a text."""
    if spec.kind == G.Kind.ANNUAL and not spec.marked:
        passages = data.get("untranslated") or []
        if passages:
            raise Untranslated(passages, spec.language)


def report_document(spec: ReportSpec, data: dict[str, Any] | None = None) -> dict[str, Any]:
    data = data if data is not None else report_data(spec)
    with translation.override(spec.language):
        return (visit_document if spec.kind == G.Kind.VISIT else annual_document)(data)


@transaction.atomic
def report_create(*, actor: Any, spec: ReportSpec, fmt: str) -> tuple[GeneratedReport, bool]:
    """The report record for ``spec``: an identical one still being generated is reused.
    Returns (report, created)."""
    check_options(language=spec.language, fmt=fmt)
    identical = (
        G.objects.select_for_update()
        .filter(
            kind=spec.kind,
            visit=spec.visit,
            period_start=spec.start,
            period_end=spec.end,
            language=spec.language,
            edition=spec.edition,
            format=fmt,
            untranslated_marked=spec.marked,
            annual_edition_id=spec.edition_id,
            status__in=RUNNING,
        )
        .first()
    )
    if identical is not None:
        return identical, False
    report = G(
        kind=spec.kind,
        visit=spec.visit,
        period_start=spec.start,
        period_end=spec.end,
        language=spec.language,
        edition=spec.edition,
        format=fmt,
        untranslated_marked=spec.marked,
        annual_edition_id=spec.edition_id,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        queued_at=timezone.now(),
    )
    report.full_clean()
    report.save()
    return report, True


class Superseded(Exception):
    """This build was given up (``reports.recovery``: its worker was thought stopped, or it
    ran past the timeout) and the report queued again or failed: it must write nothing."""


def _progress(report: GeneratedReport, percent: int, **fields: Any) -> None:
    """Save the build's progress, unless the report is no longer this build's: checked
    under the row's lock, so a build that outlived its timeout cannot overwrite the retry."""
    with transaction.atomic():
        current = G.objects.select_for_update().only("status", "attempts").get(pk=report.pk)
        if current.status != G.Status.RUNNING or current.attempts != report.attempts:
            raise Superseded
        for name, value in fields.items():
            setattr(report, name, value)
        report.progress = percent
        report.save(update_fields=["progress", *fields])


@transaction.atomic
def report_claim(report_id: int) -> GeneratedReport | None:
    """Mark a queued report as running for this build (one more attempt); None when it is
    not queued, e.g. a second task for the same report or a worker late after a retry."""
    report = (
        G.objects.select_for_update(of=("self",))
        .select_related("visit", "annual_edition")
        .get(pk=report_id)
    )
    if report.status != G.Status.QUEUED:
        return None
    report.status = G.Status.RUNNING
    report.started_at = timezone.now()
    report.attempts += 1
    report.progress = 5
    report.save(update_fields=["status", "started_at", "attempts", "progress"])
    return report


def report_build(report_id: int) -> GeneratedReport:
    """Generate a recorded report: data, hash, file. Never raises for a report's own
    failure: the report is marked failed with a message that names no one. A report that
    is not queued (already taken by another task) is returned as it is."""
    report = report_claim(report_id)
    if report is None:
        return G.objects.get(pk=report_id)
    try:
        return _build(report)
    except Superseded:
        logger.warning("report %s: build given up after a retry or a timeout", report.pk)
        return G.objects.get(pk=report_id)


def _build(report: GeneratedReport) -> GeneratedReport:
    spec = ReportSpec(
        kind=report.kind,
        language=report.language,
        edition=report.edition,
        start=report.period_start,
        end=report.period_end,
        visit=report.visit,
        marked=report.untranslated_marked,
        edition_id=report.annual_edition_id,
    )
    try:
        if report.annual_edition_id is not None:
            # Published: the frozen content, whatever the records say now.
            edition = report.annual_edition
            assert edition is not None and edition.content
            if data_sha256(edition.content) != edition.content_sha256:
                raise FrozenContentChanged(edition)
            data = edition.content[report.language]
        else:
            data = report_data(spec)
            annual_translation_check(spec, data)
        _progress(report, 40, data_sha256=data_sha256(data))
        document = report_document(spec, data)
        _progress(report, 60)
        with translation.override(report.language):
            generated_at = moment(timezone.now())
        content = render(document, report.format, generated_at)
        _progress(report, 90)
        # Encrypted at rest with the field keys; owner-only where the storage is a filesystem.
        report.file.save(report.download_name, ContentFile(encrypt_bytes(content)), save=False)
        _owner_only(report)
        try:
            _progress(
                report,
                100,
                file=report.file,
                size=len(content),
                file_sha256=hashlib.sha256(content).hexdigest(),
                status=G.Status.DONE,
                finished_at=timezone.now(),
            )
        except Superseded:
            report.file.delete(save=False)  # the retry writes its own
            raise
    except Superseded:
        raise
    except Untranslated as exc:
        _progress(
            report, 100, status=G.Status.FAILED, error=exc.messages[0], finished_at=timezone.now()
        )
    except (PdfUnavailable, FrozenContentChanged) as exc:
        _progress(report, 100, status=G.Status.FAILED, error=str(exc), finished_at=timezone.now())
    except Exception as exc:
        # The class only: a message could quote the data the report was built from.
        logger.error("report %s failed: %s", report.pk, type(exc).__name__)
        _progress(
            report,
            100,
            status=G.Status.FAILED,
            error=_("Unexpected error (%(kind)s); the administrator can find it in the log.")
            % {"kind": type(exc).__name__},
            finished_at=timezone.now(),
        )
    return report


def report_generate(*, actor: Any, spec: ReportSpec, fmt: str) -> GeneratedReport:
    """Record and build at once, in this process (management commands)."""
    report, created = report_create(actor=actor, spec=spec, fmt=fmt)
    if not created:
        # An identical report is queued for a worker: build a new one here rather than wait.
        report = G(
            kind=spec.kind,
            visit=spec.visit,
            period_start=spec.start,
            period_end=spec.end,
            language=spec.language,
            edition=spec.edition,
            format=fmt,
            untranslated_marked=spec.marked,
        )
        report.full_clean()
        report.save()
    return report_build(report.pk)


def reports_for(user: Any) -> Any:
    """The generated reports ``user`` may see and download."""
    from django.db.models import Q

    visible = visits_for(user).values("pk")
    annual = Q(kind=G.Kind.ANNUAL) if can(user, Action.COMPILE_ANNUAL_REPORT) else Q(pk__in=[])
    external = Q(kind=G.Kind.VISIT, visit__in=visible, edition="external")
    internal = Q(kind=G.Kind.VISIT, visit__in=visible, edition=INTERNAL)
    reports = G.objects.filter(annual | external | internal).select_related(
        "visit__institution", "requested_by"
    )
    return reports


def may_download(user: Any, report: GeneratedReport) -> bool:
    if report.kind == G.Kind.ANNUAL:
        return can(user, Action.COMPILE_ANNUAL_REPORT)
    assert report.visit is not None
    if not visits_for(user).filter(pk=report.visit.pk).exists():
        return False
    return report.edition != INTERNAL or visit_access(user, report.visit).see_identities


def _owner_only(report: GeneratedReport) -> None:
    try:
        path = report.file.path
    except NotImplementedError:  # a storage without local paths
        return
    os.chmod(path, 0o600)


def report_content(report: GeneratedReport) -> bytes:
    """The generated document itself, decrypted from its stored file."""
    with report.file.open("rb") as stored:
        return decrypt_bytes(stored.read())
