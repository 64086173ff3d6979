"""Exports: tables of visits, responses, findings, allegations and recommendations as CSV or
XLSX, and a ZIP of a visit's media with a manifest of hashes.

Every table is scoped by the policy as the list it comes from is, and holds no identity:
people appear by their code only, and questionnaires of interviews (what people told the
team) only for those who may see identities. Every export is written to the audit trail.
"""

import csv
import hashlib
import io
import json
import mimetypes
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from kuzet.core.audit import acting_as, audit_append
from kuzet.core.i18n import localized
from kuzet.core.models import AuditAction
from kuzet.core.params import id_param, year_param
from kuzet.core.spreadsheets import formula_protected
from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.schema import COMPLIANCE_LIST, questions, text_in
from kuzet.recommendations.models import Recommendation
from kuzet.visits.models import (
    THEMES,
    Allegation,
    CustodyEvent,
    Finding,
    MediaEvidence,
    Response,
    Visit,
)
from kuzet.visits.selectors import visits_for
from kuzet.visits.services.access import visit_access

from .text import moment

DATASETS = ("visits", "responses", "findings", "allegations", "recommendations")
FORMATS = ("csv", "xlsx")
CHUNK = 1024 * 1024


@dataclass
class Table:
    name: str
    headers: list[str]
    rows: Iterable[list[Any]]


def safe(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return value
    return formula_protected(str(value))


def csv_chunks(table: Table) -> Iterator[bytes]:
    """CSV (UTF-8 with BOM, so that spreadsheets read Cyrillic), row by row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([safe(v) for v in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_bytes(table: Table) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.name[:31])
    sheet.append(table.headers)
    for row in table.rows:
        sheet.append([safe(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def filtered_visits(user: Any, params: dict[str, str]) -> QuerySet[Visit]:
    """The visits list's filters: ``status``, plus ``visit`` (one) and ``year``."""
    visits = visits_for(user)
    if params.get("status") in Visit.Status.values:
        visits = visits.filter(status=params["status"])
    visit_id, year = id_param(params.get("visit")), year_param(params.get("year"))
    if visit_id is not None:
        visits = visits.filter(pk=visit_id)
    if year is not None:
        visits = visits.filter(planned_date__year=year)
    return visits


def visits_table(user: Any, params: dict[str, str], language: str) -> Table:
    visits = (
        filtered_visits(user, params)
        .select_related("institution__type", "institution__department", "region")
        .annotate(
            n_findings=Count("findings", filter=Q(findings__good_practice=False), distinct=True),
            n_allegations=Count("allegations", distinct=True),
            n_recommendations=Count("recommendations", distinct=True),
        )
        .order_by("planned_date", "pk")
    )
    return Table(
        "visits",
        [
            _("Visit"),
            _("Date"),
            _("Institution"),
            _("Type of institution"),
            _("Department"),
            _("Region"),
            _("Type of visit"),
            _("Announced"),
            _("Status"),
            _("Time in"),
            _("Time out"),
            _("Problems"),
            _("Allegations"),
            _("Recommendations"),
        ],
        (
            [
                v.pk,
                v.planned_date.isoformat(),
                localized(v.institution, "name", language),
                localized(v.institution.type, "name", language),
                localized(v.institution.department, "name", language),
                localized(v.region, "name", language),
                v.get_kind_display(),
                v.announced,
                v.get_status_display(),
                moment(v.started_at),
                moment(v.ended_at),
                v.n_findings,
                v.n_allegations,
                v.n_recommendations,
            ]
            for v in visits.iterator(chunk_size=500)
        ),
    )


def findings_table(user: Any, params: dict[str, str], language: str) -> Table:
    findings = (
        Finding.objects.filter(visit__in=filtered_visits(user, params).values("pk"))
        .select_related("visit__institution")
        .annotate(n_recommendations=Count("recommendations"))
        .order_by("visit__planned_date", "visit", "pk")
    )
    return Table(
        "findings",
        [
            _("Visit"),
            _("Date"),
            _("Institution"),
            _("Theme"),
            _("Title"),
            _("Description"),
            _("Good practice"),
            _("Severity"),
            _("Obstacle to access"),
            _("Sources"),
            _("Recommendations"),
        ],
        (
            [
                f.visit_id,
                f.visit.planned_date.isoformat(),
                localized(f.visit.institution, "name", language),
                str(THEMES.get(f.theme, f.theme)),
                f.title or f.title_kk,
                f.description or f.description_kk,
                f.good_practice,
                f.get_severity_display() if f.severity else "",
                f.get_obstacle_display() if f.obstacle else "",
                ", ".join(f.source_labels),
                f.n_recommendations,
            ]
            for f in findings.iterator(chunk_size=500)
        ),
    )


def allegations_table(user: Any, params: dict[str, str], language: str) -> Table:
    """Anonymised: the person's code, never an identity, and not the circumstances."""
    allegations = (
        Allegation.objects.filter(visit__in=filtered_visits(user, params).values("pk"))
        .select_related("visit__institution", "person")
        .order_by("visit__planned_date", "visit", "pk")
    )
    return Table(
        "allegations",
        [
            _("Visit"),
            _("Date of the visit"),
            _("Institution"),
            _("Person (code)"),
            _("Kind"),
            _("Alleged perpetrators"),
            _("Methods"),
            _("Isolated or pattern"),
            _("Medical documentation exists"),
            _("Consent to transmit"),
            _("Referral"),
        ],
        (
            [
                a.visit_id,
                a.visit.planned_date.isoformat(),
                localized(a.visit.institution, "name", language),
                a.person.code,
                a.get_kind_display(),
                a.get_perpetrator_display(),
                ", ".join(str(Allegation.METHODS.get(m, m)) for m in a.methods),
                a.get_extent_display(),
                "" if a.medical_documentation is None else a.medical_documentation,
                a.consent_transmit,
                a.get_referral_display(),
            ]
            for a in allegations.iterator(chunk_size=500)
        ),
    )


def recommendations_table(user: Any, params: dict[str, str], language: str) -> Table:
    """The recommendation list's filters: ``status``, ``addressee``, ``overdue``, ``issued``."""
    from kuzet.recommendations.forms import RecommendationFilterForm

    recommendations = Recommendation.objects.filter(
        visit__in=visits_for(user).values("pk")
    ).select_related("addressee", "visit__institution")
    recommendations = RecommendationFilterForm(params or None).apply(recommendations)
    return Table(
        "recommendations",
        [
            _("Recommendation"),
            _("Visit"),
            _("Institution"),
            _("Addressee"),
            _("Text (Russian)"),
            _("Text (Kazakh)"),
            _("Level"),
            _("Theme"),
            _("Priority"),
            _("Deadline"),
            _("Status"),
        ],
        (
            [
                r.pk,
                r.visit_id,
                localized(r.visit.institution, "name", language),
                localized(r.addressee, "name", language),
                r.text_ru,
                r.text_kk,
                r.get_level_display(),
                str(THEMES.get(r.theme, r.theme)),
                r.get_priority_display(),
                r.deadline.isoformat() if r.deadline else "",
                r.get_status_display(),
            ]
            for r in recommendations.order_by("pk").iterator(chunk_size=500)
        ),
    )


def _answer_text(question: dict[str, Any], value: Any, choices: dict[str, dict[str, str]]) -> Any:
    if isinstance(value, list):
        return "; ".join(str(_answer_text(question, v, choices)) for v in value)
    list_name = question.get("choices") or (
        COMPLIANCE_LIST if question.get("type") == "compliance" else ""
    )
    if isinstance(value, str) and list_name:
        return choices.get(list_name, {}).get(value, value)
    return value


def responses_table(
    user: Any, params: dict[str, str], language: str, version: InstrumentVersion
) -> Table:
    """One row per response to ``version``, one column per question (labels in ``language``);
    repeats give one column per question, their instances joined by " | "."""
    document = version.document
    nodes = list(questions(document))
    asked = [n for n in nodes if n.item["type"] != "note"]
    choices = {
        name: {c["name"]: text_in(c.get("label"), language) or c["name"] for c in options}
        for name, options in document.get("choice_lists", {}).items()
    }
    interview_kind = document.get("kind") == "interview"
    responses = list(
        Response.objects.filter(
            version=version, visit__in=filtered_visits(user, params).values("pk")
        )
        .select_related("visit__institution", "visit__region", "interview__person")
        .order_by("visit__planned_date", "visit", "created_at", "pk")
    )
    visible: dict[int, bool] = {}

    def allowed(response: Response) -> bool:
        if not (interview_kind or response.interview_id):
            return True
        if response.visit_id not in visible:
            visible[response.visit_id] = visit_access(user, response.visit).see_identities
        return visible[response.visit_id]

    def label(node: Any) -> str:
        return text_in(node.item["label"], language) or str(node.item["name"])

    def row(response: Response) -> list[Any]:
        answers = response.answers or {}
        cells: list[Any] = [
            response.visit_id,
            response.visit.planned_date.isoformat(),
            localized(response.visit.institution, "name", language),
            str(response.uuid),
            response.interview.person.code
            if response.interview is not None and response.interview.person is not None
            else "",
        ]
        for node in asked:
            if node.repeat:
                instances = answers.get(node.repeat) or []
                values = [
                    _answer_text(node.item, i.get(node.item["name"]), choices)
                    for i in instances
                    if isinstance(i, dict)
                ]
                cells.append(" | ".join("" if v is None else str(v) for v in values))
            else:
                cells.append(_answer_text(node.item, answers.get(node.item["name"]), choices))
        return cells

    return Table(
        "responses",
        [_("Visit"), _("Date"), _("Institution"), _("Response"), _("Person (code)")]
        + [label(n) for n in asked],
        (row(r) for r in responses if allowed(r)),
    )


def table_for(
    dataset: str,
    user: Any,
    params: dict[str, str],
    language: str,
    version: InstrumentVersion | None = None,
) -> Table:
    with translation.override(language):
        if dataset == "responses":
            assert version is not None
            table = responses_table(user, params, language, version)
        else:
            table = {
                "visits": visits_table,
                "findings": findings_table,
                "allegations": allegations_table,
                "recommendations": recommendations_table,
            }[dataset](user, params, language)
        # Rows are read lazily, inside the language: materialise them here.
        return Table(table.name, table.headers, list(table.rows))


def export_log(*, user: Any, what: str, params: dict[str, str], count: int) -> None:
    """The audit trail records every export: what, with which filters, how many rows."""
    with acting_as(user):
        audit_append(
            action=AuditAction.CREATE,
            object_type="reports.export",
            object_id=what,
            fields=["export", "filters", "rows"],
            values={
                "export": [None, what],
                "filters": [None, json.dumps(params, sort_keys=True, ensure_ascii=False)],
                "rows": [None, str(count)],
            },
        )


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream: zipfile writes into it, the response reads it out."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.chunks.append(chunk)
        self.position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.position

    def seek(self, *args: Any) -> int:
        raise OSError("not seekable")

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks = []
        return data


def media_name(item: MediaEvidence) -> str:
    # Not the uploaded name, which may name the person photographed.
    extension = mimetypes.guess_extension(item.content_type) or ""
    return f"{item.kind}-{item.uuid}{extension}"


def media_zip(*, user: Any, visit: Visit, items: list[MediaEvidence]) -> Iterator[bytes]:
    """The items' files, streamed, then ``manifest.csv`` and ``SHA256SUMS``. Each item read
    is checked against its stored SHA-256 and gets an ``exported`` custody event."""
    sink = _Sink()
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(
        [
            "file",
            "uuid",
            "kind",
            "content_type",
            "size",
            "sha256",
            "captured_at",
            "finding",
            "verified",
        ]
    )
    sums: list[str] = []
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for item in items:
            name = media_name(item)
            hasher = hashlib.sha256()
            with acting_as(user):
                CustodyEvent(
                    media=item,
                    kind=CustodyEvent.Kind.EXPORTED,
                    actor=user,
                    at=timezone.now(),
                    detail=f"zip of visit {visit.pk}",
                ).save()
            with (
                item.file.storage.open(item.file.name, "rb") as source,
                archive.open(name, mode="w", force_zip64=True) as target,
            ):
                while chunk := source.read(CHUNK):
                    hasher.update(chunk)
                    target.write(chunk)
                    yield sink.take()
            verified = hasher.hexdigest() == item.sha256
            writer.writerow(
                [
                    name,
                    item.uuid,
                    item.kind,
                    item.content_type,
                    item.size,
                    item.sha256,
                    item.captured_at.isoformat() if item.captured_at else "",
                    item.finding_id or "",
                    "yes" if verified else "NO: the file does not match its hash",
                ]
            )
            sums.append(f"{item.sha256}  {name}")
            yield sink.take()
        archive.writestr("manifest.csv", manifest.getvalue().encode("utf-8"))
        archive.writestr("SHA256SUMS", ("\n".join(sums) + "\n").encode("utf-8"))
    yield sink.take()
