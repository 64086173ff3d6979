"""The data of a visit report, in one language and one edition, as a JSON-serialisable dict.

Structure (``../shared/reference/npm-methodology.md``): summary; the visit; the
institution; changes since the previous visit; findings by theme with their evidence;
good practice; allegations; obstacles to access; recommendations; amendments after
approval. Fixed text is translated here (call inside ``translation.override``), narrative
is kept as written with its language (``kuzet.reports.text``).

Editions:
- *internal* (complete): people by their codes, the circumstances of allegations, an annex
  of the identities of the people met. Only for those who may see identities
  (``Action.VIEW_IDENTITIES``: the visit's team and the secretariat).
- *external* (for the authorities and publication): no identity and no code; people are
  "person A", "person B"; what a person said (the circumstances of an allegation) only
  when that person agreed to be quoted; no evidence linked to an interview.
"""

import string
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from kuzet.core.i18n import localized
from kuzet.core.redaction import redact_names
from kuzet.instruments.schema import COMPLIANCE_LIST, choice_label
from kuzet.recommendations.models import Recommendation
from kuzet.visits.models import (
    THEMES,
    Allegation,
    CodedPerson,
    ComplianceMark,
    Finding,
    Interview,
    MediaEvidence,
    TeamMember,
    Visit,
)
from kuzet.visits.services.appeals import appeal_in_report
from kuzet.visits.services.lifecycle import LOCKED
from kuzet.visits.services.responses import labels_of, path_label

from .text import bilingual, day, moment, narrative

INTERNAL, EXTERNAL = "internal", "external"
EDITIONS = (INTERNAL, EXTERNAL)
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "": 4}


def visit_report_data(visit: Visit, *, edition: str, language: str) -> dict[str, Any]:
    """Everything the report says, ready to render; no identity in the external edition."""
    external = edition == EXTERNAL
    records = _records(visit)
    names = _names(records, external=external)
    numbers = {r.pk: n for n, r in enumerate(records.recommendations, start=1)}
    findings = _findings(records, names, numbers, external=external, language=language)
    previous = _previous(visit, language)
    return {
        "kind": "visit",
        "edition": edition,
        "language": language,
        "draft": visit.status not in LOCKED,
        "status": visit.get_status_display(),
        "title": _("Report on the preventive visit to %(institution)s")
        % {"institution": localized(visit.institution, "name", language)},
        "edition_label": (
            _("External edition: for the authorities and publication")
            if external
            else _("Internal edition: confidential, for the NPM only")
        ),
        "visit": _the_visit(visit, records, language, first_visit=previous is None),
        "institution": _institution(visit, language),
        "summary": _summary(records, findings),
        "previous": previous,
        **findings,
        "allegations": _allegations(records, names, external=external, language=language),
        "recommendations": _recommendations(records, numbers, language),
        "amendments": _amendments(visit, language),
        "people": [] if external else _people_met(visit),
    }


@dataclass(frozen=True)
class _Records:
    """What the report reads of the visit, loaded once for every section."""

    findings: list[Finding]
    interviews: list[Interview]
    allegations: list[Allegation]
    recommendations: list[Recommendation]

    @property
    def problems(self) -> list[Finding]:
        """Findings of a problem: neither good practice nor an obstacle to access."""
        return [f for f in self.findings if not f.good_practice and f.theme != "access"]


def _records(visit: Visit) -> _Records:
    findings = visit.findings.prefetch_related(
        Prefetch("interviews", queryset=Interview.objects.select_related("person")),
        Prefetch(
            "items",
            queryset=ComplianceMark.objects.select_related("response__version__instrument"),
        ),
        Prefetch("media", queryset=MediaEvidence.objects.order_by("uploaded_at", "pk")),
    ).order_by("theme", "pk")
    return _Records(
        findings=list(findings),
        interviews=list(visit.interviews.select_related("person")),
        allegations=list(visit.allegations.select_related("person").order_by("pk")),
        recommendations=list(
            visit.recommendations.select_related("addressee", "repeats__visit").order_by(
                "created_at", "pk"
            )
        ),
    )


@dataclass
class _Names:
    """How the report names the people met (by person id), and who agreed to be quoted."""

    label: dict[int, str] = field(default_factory=dict)
    quotable: set[int] = field(default_factory=set)


def _person_letters() -> list[str]:
    letters = list(string.ascii_uppercase)
    return letters + [a + b for a in letters for b in letters]


def _names(records: _Records, *, external: bool) -> _Names:
    """People by their codes; in the external edition "person A", "B"… in the order they
    were first met."""
    letters = _person_letters()
    names = _Names()

    def name(person: CodedPerson) -> None:
        if person.pk not in names.label:
            names.label[person.pk] = (
                _("person %(letter)s") % {"letter": letters[len(names.label) % len(letters)]}
                if external
                else person.code
            )

    for interview in records.interviews:
        if interview.person is None:
            continue
        name(interview.person)
        if interview.consent_quote:
            names.quotable.add(interview.person.pk)
    for allegation in records.allegations:
        name(allegation.person)
    return names


class _FindingWriter:
    """A finding as the report gives it: its text, severity and evidence (sources, checklist
    items, interviews, media); the external edition names no one and leaves out the media
    of an interview."""

    def __init__(
        self,
        names: _Names,
        recommendations: dict[int, list[int]],
        *,
        external: bool,
        language: str,
    ) -> None:
        self.names = names
        self.recommendations = recommendations
        self.external = external
        self.language = language
        self.labels: dict[int, dict[str, str]] = {}  # checklist labels by instrument version

    def __call__(self, finding: Finding, *, numbered: bool = True) -> dict[str, Any]:
        """``numbered``: with the numbers of the recommendations made on it."""
        return {
            "id": finding.pk,
            "title": bilingual(finding.title, finding.title_kk, self.language),
            "description": bilingual(finding.description, finding.description_kk, self.language),
            "severity": finding.get_severity_display() if finding.severity else "",
            "severity_code": finding.severity,
            "obstacle": finding.get_obstacle_display() if finding.obstacle else "",
            "evidence": self.evidence(finding),
            "recommendation_numbers": self.recommendations.get(finding.pk, []) if numbered else [],
        }

    def evidence(self, finding: Finding) -> list[str]:
        evidence: list[str] = []
        if finding.sources:
            evidence.append(
                _("Sources: %(sources)s") % {"sources": ", ".join(finding.source_labels)}
            )
        evidence += [
            _("Checklist: %(item)s") % {"item": self.item_label(m)} for m in finding.items.all()
        ]
        interviews = finding.interviews.all()
        if interviews:
            if self.external:
                evidence.append(_("Interviews: %(count)s") % {"count": len(interviews)})
            else:
                people = sorted({self.names.label[i.person_id] for i in interviews if i.person_id})
                evidence.append(
                    _("Interviews: %(count)s (%(people)s)")
                    % {"count": len(interviews), "people": ", ".join(people) or "—"}
                )
        media = [
            m
            for m in finding.media.all()
            if not (self.external and m.interview_id is not None)
            and (m.appeal_consent is None or appeal_in_report(m, external=self.external))
        ]
        evidence += [
            _("%(kind)s, SHA-256 %(sha)s") % {"kind": m.get_kind_display(), "sha": m.sha256}
            for m in media
        ]
        return evidence

    def item_label(self, mark: ComplianceMark) -> str:
        version = mark.response.version
        if version.pk not in self.labels:
            self.labels[version.pk] = labels_of(version.document, self.language)
        title = localized(version.instrument, "title", self.language)
        item = path_label(self.labels[version.pk], mark.path)
        value = choice_label(version.document, COMPLIANCE_LIST, mark.value, self.language)
        return f"{title}: {item} — {value}"


def _findings(
    records: _Records,
    names: _Names,
    numbers: dict[int, int],
    *,
    external: bool,
    language: str,
) -> dict[str, Any]:
    """Problems by theme (the most severe first), good practice and obstacles to access;
    problems and obstacles with the numbers of the recommendations made on them."""
    on_finding: dict[int, list[int]] = defaultdict(list)
    for rec in records.recommendations:
        for finding_id in rec.findings.values_list("pk", flat=True):
            on_finding[finding_id].append(numbers[rec.pk])
    write = _FindingWriter(names, on_finding, external=external, language=language)

    themes: list[dict[str, Any]] = []
    for code, label in THEMES.items():
        in_theme = sorted(
            (f for f in records.problems if f.theme == code),
            key=lambda f: SEVERITY_ORDER[f.severity],
        )
        if in_theme:
            themes.append(
                {"code": code, "label": str(label), "findings": [write(f) for f in in_theme]}
            )
    return {
        "themes": themes,
        "good_practice": [write(f, numbered=False) for f in records.findings if f.good_practice],
        "obstacles": [
            write(f) for f in records.findings if f.theme == "access" and not f.good_practice
        ],
    }


def _summary(records: _Records, findings: dict[str, Any]) -> dict[str, Any]:
    problems = records.problems
    return {
        "problems": len(problems),
        "severe": sum(1 for f in problems if f.severity in ("high", "critical")),
        "good_practice": len(findings["good_practice"]),
        "obstacles": len(findings["obstacles"]),
        "allegations": len(records.allegations),
        "reprisals": sum(1 for a in records.allegations if a.kind == Allegation.Kind.REPRISAL),
        "recommendations": len(records.recommendations),
        "interviews": len(records.interviews),
        "key_findings": [
            {"title": item["title"], "severity": item["severity"]}
            for theme in findings["themes"]
            for item in theme["findings"]
            if item["severity_code"] in ("high", "critical")
        ][:8],
    }


def _team(visit: Visit) -> list[dict[str, Any]]:
    """The team by role, in the order of the roles."""
    by_role: dict[str, list[str]] = defaultdict(list)
    for member in visit.team.select_related("user").order_by("role", "user__full_name"):
        by_role[member.role].append(str(member.user))
    return [
        {"role": str(label), "people": by_role[value]}
        for value, label in TeamMember.Role.choices
        if by_role.get(value)
    ]


def _the_visit(
    visit: Visit, records: _Records, language: str, *, first_visit: bool
) -> dict[str, Any]:
    interviews_by_kind: dict[str, int] = defaultdict(int)
    for interview in records.interviews:
        interviews_by_kind[interview.get_kind_display()] += 1
    return {
        "id": visit.pk,
        "kind": visit.get_kind_display(),
        "announced": _("announced") if visit.announced else _("unannounced"),
        # The date of the visit is the day the team entered; the plan's when it did not yet.
        "date": day(timezone.localtime(visit.started_at).date())
        if visit.started_at
        else day(visit.planned_date),
        "planned_date": day(visit.planned_date),
        "started_at": moment(visit.started_at),
        "ended_at": moment(visit.ended_at),
        "theme": visit.theme,
        "objectives": narrative(visit.objectives, language) if visit.objectives else None,
        "first_visit": first_visit,
        "team": _team(visit),
        "interviews": sorted(interviews_by_kind.items()),
    }


def _institution(visit: Visit, language: str) -> dict[str, Any]:
    institution = visit.institution
    return {
        "name": localized(institution, "name", language),
        "type": localized(institution.type, "name", language),
        "department": localized(institution.department, "name", language),
        "region": localized(visit.region, "name", language),
        "address": institution.address,
        "capacity": institution.capacity,
        "population": institution.population,
        "population_date": day(institution.population_date),
        "occupancy": institution.occupancy_percent,
    }


def _previous(visit: Visit, language: str) -> dict[str, Any] | None:
    """The institution's previous visit and what became of its recommendations."""
    previous = (
        Visit.objects.filter(institution=visit.institution, planned_date__lt=visit.planned_date)
        .exclude(pk=visit.pk)
        .order_by("-planned_date", "-pk")
        .first()
    )
    if previous is None:
        return None
    return {
        "date": day(previous.planned_date),
        "kind": previous.get_kind_display(),
        "recommendations": [
            {
                "text": bilingual(r.text_ru, r.text_kk, language),
                "addressee": localized(r.addressee, "name", language),
                "deadline": day(r.deadline) or "—",
                "status": r.get_status_display(),
                "repeated": r.repeated_by.filter(visit=visit).exists(),
            }
            for r in Recommendation.objects.filter(visit=previous)
            .select_related("addressee")
            .order_by("created_at", "pk")
        ],
    }


def _allegations(
    records: _Records, names: _Names, *, external: bool, language: str
) -> list[dict[str, Any]]:
    """The external edition gives what a person said only if that person agreed to be
    quoted, and no date, place or witness."""
    rows = []
    known = _known_names(records) if external else []
    for allegation in records.allegations:
        quoted = not external or allegation.person_id in names.quotable
        row: dict[str, Any] = {
            "person": names.label[allegation.person_id],
            "kind": allegation.get_kind_display(),
            "kind_code": allegation.kind,
            "perpetrator": allegation.get_perpetrator_display(),
            "methods": ", ".join(str(Allegation.METHODS.get(m, m)) for m in allegation.methods),
            "extent": allegation.get_extent_display(),
            "referral": allegation.get_referral_display()
            if allegation.consent_transmit
            else _("not transmitted: no consent"),
            "circumstances": _quote(allegation.circumstances, known, language, external)
            if quoted
            else None,
        }
        if not external:
            row.update(
                {
                    "date": day(allegation.occurred_on),
                    "place": allegation.place,
                    "injuries": allegation.injuries_observed,
                    "witnesses": allegation.witnesses,
                    "medical_documentation": {True: _("yes"), False: _("no"), None: "—"}[
                        allegation.medical_documentation
                    ],
                    "outcome": allegation.referral_outcome,
                }
            )
        rows.append(row)
    return rows


def _known_names(records: _Records) -> list[str]:
    """The coded people's names (the team's own records), to find them in quoted text."""
    people = [i.person for i in records.interviews if i.person is not None]
    people += [a.person for a in records.allegations]
    return [person.full_name for person in people if person.full_name]


def _quote(text: str, known: list[str], language: str, external: bool) -> dict[str, str]:
    """A quoted text as the edition prints it: the external one withholds likely names."""
    if external:
        text = redact_names(text, language=language, known_names=known).text
    return narrative(text, language)


def _recommendations(
    records: _Records, numbers: dict[int, int], language: str
) -> list[dict[str, Any]]:
    return [
        {
            "number": numbers[rec.pk],
            "text": bilingual(rec.text_ru, rec.text_kk, language),
            "addressee": localized(rec.addressee, "name", language),
            "deadline": day(rec.deadline) or _("no deadline"),
            "priority": rec.get_priority_display(),
            "level": rec.get_level_display(),
            "theme": str(THEMES.get(rec.theme, rec.theme)),
            "status": rec.get_status_display(),
            "repeats": (
                _("repeats a recommendation of the visit of %(date)s")
                % {"date": day(rec.repeats.visit.planned_date)}
                if rec.repeats is not None
                else ""
            ),
        }
        for rec in records.recommendations
    ]


def _amendments(visit: Visit, language: str) -> list[dict[str, Any]]:
    return [
        {
            "section": a.get_section_display(),
            "text": narrative(a.text, language),
            "reason": narrative(a.reason, language),
            "date": moment(a.created_at),
        }
        for a in visit.amendments.order_by("created_at", "pk")
    ]


def _people_met(visit: Visit) -> list[dict[str, Any]]:
    """The annex of identities: the internal edition only."""
    return [
        {
            "code": p.code,
            "full_name": p.full_name,
            "birth_date": p.birth_date,
            "cell": p.cell,
        }
        for p in visit.people.order_by("code")
    ]
