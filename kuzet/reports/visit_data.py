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
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from kuzet.core.i18n import localized
from kuzet.instruments.schema import COMPLIANCE_LIST, choice_label
from kuzet.recommendations.models import Recommendation
from kuzet.visits.models import (
    THEMES,
    Allegation,
    ComplianceMark,
    Finding,
    Interview,
    MediaEvidence,
    TeamMember,
    Visit,
)
from kuzet.visits.services.lifecycle import LOCKED
from kuzet.visits.services.responses import labels_of, path_label

from .text import bilingual, day, moment, narrative

INTERNAL, EXTERNAL = "internal", "external"
EDITIONS = (INTERNAL, EXTERNAL)
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "": 4}


def _person_letters() -> list[str]:
    letters = list(string.ascii_uppercase)
    return letters + [a + b for a in letters for b in letters]


def visit_report_data(visit: Visit, *, edition: str, language: str) -> dict[str, Any]:
    """Everything the report says, ready to render; no identity in the external edition."""
    external = edition == EXTERNAL
    institution = visit.institution
    findings = list(
        visit.findings.prefetch_related(
            Prefetch("interviews", queryset=Interview.objects.select_related("person")),
            Prefetch(
                "items",
                queryset=ComplianceMark.objects.select_related("response__version__instrument"),
            ),
            Prefetch("media", queryset=MediaEvidence.objects.order_by("uploaded_at", "pk")),
        ).order_by("theme", "pk")
    )
    interviews = list(visit.interviews.select_related("person"))
    allegations = list(visit.allegations.select_related("person").order_by("pk"))
    recommendations = list(
        visit.recommendations.select_related("addressee", "repeats__visit").order_by(
            "created_at", "pk"
        )
    )

    # People are "person A", "B"… in the external edition, in the order they were first met.
    letters = _person_letters()
    person_label: dict[int, str] = {}
    quotable: set[int] = set()
    for interview in interviews:
        if interview.person_id is None:
            continue
        if interview.person_id not in person_label:
            person_label[interview.person_id] = (
                _("person %(letter)s") % {"letter": letters[len(person_label) % len(letters)]}
                if external
                else interview.person.code  # type: ignore[union-attr]
            )
        if interview.consent_quote:
            quotable.add(interview.person_id)
    for allegation in allegations:
        if allegation.person_id not in person_label:
            person_label[allegation.person_id] = (
                _("person %(letter)s") % {"letter": letters[len(person_label) % len(letters)]}
                if external
                else allegation.person.code
            )

    labels_cache: dict[int, dict[str, str]] = {}

    def item_label(mark: ComplianceMark) -> str:
        version = mark.response.version
        if version.pk not in labels_cache:
            labels_cache[version.pk] = labels_of(version.document, language)
        title = localized(version.instrument, "title", language)
        item = path_label(labels_cache[version.pk], mark.path)
        value = choice_label(version.document, COMPLIANCE_LIST, mark.value, language)
        return f"{title}: {item} — {value}"

    def finding_data(finding: Finding) -> dict[str, Any]:
        media = [m for m in finding.media.all() if not (external and m.interview_id is not None)]
        people = sorted(
            {person_label[i.person_id] for i in finding.interviews.all() if i.person_id}
        )
        evidence: list[str] = []
        if finding.sources:
            evidence.append(
                _("Sources: %(sources)s") % {"sources": ", ".join(finding.source_labels)}
            )
        evidence += [
            _("Checklist: %(item)s") % {"item": item_label(m)} for m in finding.items.all()
        ]
        if finding.interviews.all():
            if external:
                evidence.append(
                    _("Interviews: %(count)s") % {"count": len(finding.interviews.all())}
                )
            else:
                evidence.append(
                    _("Interviews: %(count)s (%(people)s)")
                    % {"count": len(finding.interviews.all()), "people": ", ".join(people) or "—"}
                )
        evidence += [
            _("%(kind)s, SHA-256 %(sha)s") % {"kind": m.get_kind_display(), "sha": m.sha256}
            for m in media
        ]
        return {
            "id": finding.pk,
            "title": narrative(finding.title, language),
            "description": narrative(finding.description, language),
            "severity": finding.get_severity_display() if finding.severity else "",
            "severity_code": finding.severity,
            "obstacle": finding.get_obstacle_display() if finding.obstacle else "",
            "evidence": evidence,
            "recommendation_numbers": [],
        }

    rec_number = {r.pk: n for n, r in enumerate(recommendations, start=1)}
    finding_recs: dict[int, list[int]] = defaultdict(list)
    for rec in recommendations:
        for finding_id in rec.findings.values_list("pk", flat=True):
            finding_recs[finding_id].append(rec_number[rec.pk])

    problems = [f for f in findings if not f.good_practice and f.theme != "access"]
    themes: list[dict[str, Any]] = []
    for code, label in THEMES.items():
        in_theme = sorted(
            (f for f in problems if f.theme == code), key=lambda f: SEVERITY_ORDER[f.severity]
        )
        if in_theme:
            items = [finding_data(f) for f in in_theme]
            for item in items:
                item["recommendation_numbers"] = finding_recs.get(item["id"], [])
            themes.append({"code": code, "label": str(label), "findings": items})
    good = [finding_data(f) for f in findings if f.good_practice]
    obstacles = [finding_data(f) for f in findings if f.theme == "access" and not f.good_practice]
    for item in obstacles:
        item["recommendation_numbers"] = finding_recs.get(item["id"], [])

    team_by_role: dict[str, list[str]] = defaultdict(list)
    for member in visit.team.select_related("user").order_by("role", "user__full_name"):
        team_by_role[member.role].append(str(member.user))
    team = [
        {"role": str(label), "people": team_by_role[value]}
        for value, label in TeamMember.Role.choices
        if team_by_role.get(value)
    ]

    allegation_rows = []
    for allegation in allegations:
        quoted = not external or allegation.person_id in quotable
        row: dict[str, Any] = {
            "person": person_label[allegation.person_id],
            "kind": allegation.get_kind_display(),
            "kind_code": allegation.kind,
            "perpetrator": allegation.get_perpetrator_display(),
            "methods": ", ".join(str(Allegation.METHODS.get(m, m)) for m in allegation.methods),
            "extent": allegation.get_extent_display(),
            "referral": allegation.get_referral_display()
            if allegation.consent_transmit
            else _("not transmitted: no consent"),
            "circumstances": narrative(allegation.circumstances, language) if quoted else None,
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
        allegation_rows.append(row)

    recommendation_rows = [
        {
            "number": rec_number[rec.pk],
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
        for rec in recommendations
    ]

    previous_visit = (
        Visit.objects.filter(institution=institution, planned_date__lt=visit.planned_date)
        .exclude(pk=visit.pk)
        .order_by("-planned_date", "-pk")
        .first()
    )
    previous: dict[str, Any] | None = None
    if previous_visit is not None:
        previous = {
            "date": day(previous_visit.planned_date),
            "kind": previous_visit.get_kind_display(),
            "recommendations": [
                {
                    "text": bilingual(r.text_ru, r.text_kk, language),
                    "addressee": localized(r.addressee, "name", language),
                    "deadline": day(r.deadline) or "—",
                    "status": r.get_status_display(),
                    "repeated": r.repeated_by.filter(visit=visit).exists(),
                }
                for r in Recommendation.objects.filter(visit=previous_visit)
                .select_related("addressee")
                .order_by("created_at", "pk")
            ],
        }

    interviews_by_kind: dict[str, int] = defaultdict(int)
    for interview in interviews:
        interviews_by_kind[interview.get_kind_display()] += 1

    severe = sum(1 for f in problems if f.severity in ("high", "critical"))
    summary = {
        "problems": len(problems),
        "severe": severe,
        "good_practice": len(good),
        "obstacles": len(obstacles),
        "allegations": len(allegations),
        "reprisals": sum(1 for a in allegations if a.kind == Allegation.Kind.REPRISAL),
        "recommendations": len(recommendations),
        "interviews": len(interviews),
        "key_findings": [
            {"title": item["title"], "severity": item["severity"]}
            for theme in themes
            for item in theme["findings"]
            if item["severity_code"] in ("high", "critical")
        ][:8],
    }

    data: dict[str, Any] = {
        "kind": "visit",
        "edition": edition,
        "language": language,
        "draft": visit.status not in LOCKED,
        "status": visit.get_status_display(),
        "title": _("Report on the preventive visit to %(institution)s")
        % {"institution": localized(institution, "name", language)},
        "edition_label": (
            _("External edition: for the authorities and publication")
            if external
            else _("Internal edition: confidential, for the NPM only")
        ),
        "visit": {
            "id": visit.pk,
            "kind": visit.get_kind_display(),
            "announced": _("announced") if visit.announced else _("unannounced"),
            "planned_date": day(visit.planned_date),
            "started_at": moment(visit.started_at),
            "ended_at": moment(visit.ended_at),
            "theme": visit.theme,
            "objectives": narrative(visit.objectives, language) if visit.objectives else None,
            "first_visit": previous is None,
            "team": team,
            "interviews": sorted(interviews_by_kind.items()),
        },
        "institution": {
            "name": localized(institution, "name", language),
            "type": localized(institution.type, "name", language),
            "department": localized(institution.department, "name", language),
            "region": localized(visit.region, "name", language),
            "address": institution.address,
            "capacity": institution.capacity,
            "population": institution.population,
            "population_date": day(institution.population_date),
            "occupancy": institution.occupancy_percent,
        },
        "summary": summary,
        "previous": previous,
        "themes": themes,
        "good_practice": good,
        "allegations": allegation_rows,
        "obstacles": obstacles,
        "recommendations": recommendation_rows,
        "amendments": [
            {
                "section": a.get_section_display(),
                "text": narrative(a.text, language),
                "reason": narrative(a.reason, language),
                "date": moment(a.created_at),
            }
            for a in visit.amendments.order_by("created_at", "pk")
        ],
        "people": [],
    }
    if not external:
        data["people"] = [
            {
                "code": p.code,
                "full_name": p.full_name,
                "birth_date": p.birth_date,
                "cell": p.cell,
            }
            for p in visit.people.order_by("code")
        ]
    return data
