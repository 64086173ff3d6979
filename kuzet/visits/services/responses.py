"""Filling instruments on a visit: starting a response, saving drafts, what is still missing.

A response is saved as it is typed: a draft keeps whatever was entered, even an answer
that does not validate yet, so that nothing typed is ever lost. The full check
(``kuzet.instruments.validation.validate_response``) runs on every save to keep the
counts shown in lists, and decides at submission (``response_problems``).

Every save names the revision it was based on; a save based on an older revision is
refused (``StaleResponse``) instead of overwriting what a colleague saved in between.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import QueryDict
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kuzet.core.audit import bulk_create_audited
from kuzet.core.lookups import remembered
from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.schema import MEDIA_TYPES, labels_of, path_label, walk
from kuzet.instruments.validation import Validated, validate_response
from kuzet.visits.models import ComplianceMark, Interview, Response, Visit, VisitChange
from kuzet.visits.preparation import instruments_for
from kuzet.visits.services.access import require_can_record

# Largest draft accepted: about 2,000 long answers; more is not a checklist but an error.
MAX_ANSWERS_CHARS = 1_000_000
INTEGER = re.compile(r"^-?\d+$")
DECIMAL = re.compile(r"^-?\d+([.,]\d+)?$")
# Non-compliant answers need a finding that describes them (submission_problems).
NEEDS_FINDING = frozenset({"non_compliant"})


class StaleResponse(Exception):
    """The response was saved by someone else after the revision the save was based on."""

    def __init__(self, response: Response) -> None:
        super().__init__(f"response {response.uuid} is at revision {response.revision}")
        self.response = response


@transaction.atomic
def response_start(
    *, actor: Any, visit: Visit, version: InstrumentVersion, interview: Interview | None = None
) -> Response:
    """Start filling ``version`` on the visit: a published version of an instrument meant for
    the institution's type (or for every type). Older versions of such an instrument are
    accepted: a tablet may have started a record before a newer one was published."""
    response = Response(visit=visit, version=version, interview=interview, started_by=actor)
    _check_start(actor, response)
    _recount(response)
    response.save()
    return response


@dataclass
class NewResponse:
    """A response checked and counted but not stored yet (``responses_insert`` stores it),
    with its compliance answers by path."""

    response: Response
    marks: dict[str, tuple[str, str, str]]


def response_prepare(
    *,
    actor: Any,
    visit: Visit,
    version: InstrumentVersion,
    answers: dict[str, Any],
    interview: Interview | None = None,
    validated: Validated | None = None,
) -> NewResponse:
    """A new response holding ``answers`` in one step (a finalized record from a tablet),
    checked and counted but not stored: the checks of ``response_start``, the counts
    ``response_save`` keeps, the answers validated once (``validated``: the caller's
    ``validate_response`` of these answers, if it already ran it). ``responses_insert``
    stores it, alone or with others. Raises ValidationError or PermissionDenied."""
    if not isinstance(answers, dict):
        raise ValidationError(_("The answers must be a JSON object keyed by question name."))
    if len(str(answers)) > MAX_ANSWERS_CHARS:
        raise ValidationError(_("The answers are too long to be a response."))
    response = Response(visit=visit, version=version, interview=interview, started_by=actor)
    response.answers = answers
    _check_start(actor, response)
    response.revision = 1  # as started (0), then saved once
    marks = _recount(response, validated)
    return NewResponse(response, marks)


def responses_insert(new: list[NewResponse]) -> None:
    """Store prepared responses (``response_prepare``) in one statement, their compliance
    marks in another, with one audit event each; the caller holds the transaction (and the
    ``audit_batch``, if any). The visits whose figures change are marked once each."""
    if not connection.in_atomic_block:
        # The rows and their events would commit before the marks: a response without them.
        raise RuntimeError("responses_insert() needs a transaction")
    bulk_create_audited([n.response for n in new])
    if _insert_marks([(n.response.pk, n.marks) for n in new]):
        for visit_id in dict.fromkeys(n.response.visit_id for n in new if n.marks):
            VisitChange.mark(visit_id)


def _check_start(actor: Any, response: Response) -> None:
    visit, version, interview = response.visit, response.version, response.interview
    require_can_record(actor, visit)
    if not version.is_published:
        raise ValidationError(_("Only a published version of an instrument can be filled."))
    if not version_applies(version, visit):
        raise ValidationError(
            {"version": [_("Choose one of the instruments for this institution.")]}
        )
    if interview is not None and interview.visit_id != visit.pk:
        raise ValidationError({"interview": [_("The interview belongs to another visit.")]})
    if interview is not None and not interview.consent_interview:
        # Nothing the person said is kept without their consent to the interview.
        raise ValidationError(
            {
                "interview": [
                    _("The interview was held without consent: no questionnaire is filled in it.")
                ]
            }
        )


def version_applies(version: InstrumentVersion, visit: Visit) -> bool:
    """Whether ``version``'s instrument is meant for the type of the visited institution."""
    type_id = visit.institution.type_id
    return remembered(
        ("version_applies", version.pk, type_id),
        lambda: InstrumentVersion.objects.for_types([type_id]).filter(pk=version.pk).exists(),
    )


@transaction.atomic
def response_save(
    *, actor: Any, response: Response, answers: dict[str, Any], revision: int
) -> Response:
    """Store ``answers`` as the response's draft; raises StaleResponse if ``revision`` is old."""
    stored = Response.objects.select_for_update().select_related("visit").get(pk=response.pk)
    require_can_record(actor, stored.visit)
    if stored.revision != revision:
        raise StaleResponse(stored)
    if not isinstance(answers, dict):
        raise ValidationError(_("The answers must be a JSON object keyed by question name."))
    if len(str(answers)) > MAX_ANSWERS_CHARS:
        raise ValidationError(_("The answers are too long to be a response."))
    stored.answers = answers
    stored.revision += 1
    marks = _recount(stored)
    stored.save()
    if _store_marks(stored, marks):  # the only part of a response that figures count
        VisitChange.mark(stored.visit_id)
    return stored


def _recount(
    response: Response, validated: Validated | None = None
) -> dict[str, tuple[str, str, str]]:
    """Update the response's counts; return its compliance answers by path."""
    document = response.version.document
    result = validated or validate_response(document, response.answers)
    response.problem_count = sum(len(m) for m in result.errors.values())
    sections = remembered(
        ("compliance_sections", response.version.pk), lambda: _compliance_sections(document)
    )
    marks: dict[str, tuple[str, str, str]] = {}
    answered = 0
    # Repeats' answers by path ``repeat[2].name``; a mark for every compliance answer.
    for name, value in result.answers.items():
        if isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
            for number, instance in enumerate(value, start=1):
                answered += len(instance)
                for inner, inner_value in instance.items():
                    section = sections.get(inner)
                    if section is not None and isinstance(inner_value, str):
                        marks[f"{name}[{number}].{inner}"] = (inner, section, inner_value)
        else:
            answered += 1
            section = sections.get(name)
            if section is not None and isinstance(value, str):
                marks[name] = (name, section, value)
    response.answered_count = answered
    return marks


def _compliance_sections(document: dict[str, Any]) -> dict[str, str]:
    """The section of every compliance question, by the question's name."""
    sections: dict[str, str] = {}
    section = ""
    for node in walk(document):
        if node.item.get("kind") == "question" and node.item["type"] == "compliance":
            sections[node.item["name"]] = section
        elif "kind" not in node.item:
            section = node.item["name"]
    return sections


def _store_marks(
    response: Response, marks: dict[str, tuple[str, str, str]], *, new: bool = False
) -> bool:
    """Make the response's ComplianceMark rows say what ``marks`` says (links kept); returns
    whether any row changed. ``new``: the response was just created (it has no rows yet)."""
    if new:
        return _insert_marks([(response.pk, marks)])
    existing = {m.path: m for m in response.marks.all()}
    changed = False
    for path, mark in existing.items():
        if path not in marks:
            mark.delete()
            changed = True
        elif (mark.question, mark.section, mark.value) != marks[path]:
            mark.question, mark.section, mark.value = marks[path]
            mark.save(update_fields=["question", "section", "value"])
            changed = True
    created = ComplianceMark.objects.bulk_create(
        ComplianceMark(response=response, path=path, question=q, section=s, value=v)
        for path, (q, s, v) in marks.items()
        if path not in existing
    )
    return changed or bool(created)


def _insert_marks(rows: list[tuple[int, dict[str, tuple[str, str, str]]]]) -> bool:
    """Insert the marks of responses that have none yet — (response id, its marks by path)
    — in one statement, without a model instance per row (a checklist has hundreds): on
    PostgreSQL one ``INSERT … SELECT`` from a JSON array of the rows (encoded in C: quoting
    five arrays of strings cost more), elsewhere one ``executemany``. Returns whether any
    was made."""
    flat = [(pk, path, *mark) for pk, marks in rows for path, mark in marks.items()]
    if not flat:
        return False
    table = connection.ops.quote_name(ComplianceMark._meta.db_table)
    columns = '"response_id", "path", "question", "section", "value"'
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608
                "SELECT (m->>0)::bigint, m->>1, m->>2, m->>3, m->>4 "
                "FROM json_array_elements(%s::json) AS m",
                [json.dumps(flat, ensure_ascii=False)],
            )
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608
                flat,
            )
    return True


def answers_from_form(document: dict[str, Any], data: QueryDict) -> dict[str, Any]:
    """The answers a form of ``document`` posted (see visits/_answer.html for the names).

    Numbers become numbers when they read as numbers; anything else is kept as typed, so a
    draft never loses what was entered and validation says what is wrong with it.
    """
    answers: dict[str, Any] = {}
    for section in document["sections"]:
        for item in section["items"]:
            if item["kind"] == "repeat":
                instances = []
                for number in data.getlist(f"{item['name']}[]"):
                    instance: dict[str, Any] = {}
                    for question in item["items"]:
                        _read(question, data, f"{item['name']}[{number}].", instance)
                    instances.append(instance)
                if instances:
                    answers[item["name"]] = instances
            else:
                _read(item, data, "", answers)
    return answers


def _read(question: dict[str, Any], data: QueryDict, prefix: str, into: dict[str, Any]) -> None:
    qtype, name = question["type"], question["name"]
    if qtype == "note" or qtype in MEDIA_TYPES:
        return
    values = [v.strip() for v in data.getlist(prefix + name) if v.strip()]
    if not values:
        return
    if qtype == "select_multiple":
        into[name] = list(dict.fromkeys(values))
        return
    value: Any = values[0]
    if qtype == "integer" and INTEGER.match(value):
        value = int(value)
    elif qtype == "decimal" and DECIMAL.match(value):
        value = float(value.replace(",", "."))
    elif qtype == "geopoint":
        parts = value.replace(",", " ").split()
        if len(parts) in (2, 3, 4) and all(DECIMAL.match(p) for p in parts):
            value = [float(p) for p in parts]
    into[name] = value


def response_problems(visit: Visit) -> list[str]:
    """What the visit's responses still lack: unanswered or invalid answers, non-compliant
    items without a finding, and a checklist nobody started."""
    language = (get_language() or "ru").split("-")[0]
    problems: list[str] = []
    responses = list(visit.responses.select_related("version__instrument"))
    # At least one checklist of the place: which ones apply (a medical unit, say) the
    # team judges; what it starts must then be complete.
    checklists = [
        v for v in instruments_for(visit.institution) if v.document.get("kind") == "checklist"
    ]
    if checklists and not any(r.version.document.get("kind") == "checklist" for r in responses):
        problems.append(
            _("No checklist has been filled in (for this place: %(titles)s).")
            % {"titles": "; ".join(str(v.instrument.title) for v in checklists)}
        )
    for response in responses:
        # Every save stores how many problems validation found: only those with some are
        # validated again here, for their messages.
        if response.problem_count == 0:
            continue
        document = response.version.document
        result = validate_response(document, response.answers)
        if result.errors:
            labels = labels_of(document, language)
            names = [path_label(labels, p) for p in list(result.errors)[:3]]
            problems.append(
                _("“%(title)s”: %(count)s answers are missing or invalid, such as: %(names)s.")
                % {
                    "title": response.version.instrument.title,
                    "count": len(result.errors),
                    "names": "; ".join(names),
                }
            )
    uncovered = ComplianceMark.objects.filter(
        response__visit=visit, value__in=NEEDS_FINDING, findings__isnull=True
    ).select_related("response__version__instrument")
    for mark in uncovered:
        labels = labels_of(mark.response.version.document, language)
        problems.append(
            _("“%(title)s”: the non-compliant item “%(item)s” has no finding describing it.")
            % {
                "title": mark.response.version.instrument.title,
                "item": path_label(labels, mark.path),
            }
        )
    return problems
