"""The offline package: everything a signed-in user needs on a tablet, in one document.

Scoped by the policy: the visits whose team the user is on and on which they may record
(not the approved ones); the institutions of their regions and of those visits; the
instruments for those institutions' types (plus older published versions the visits'
records use); the norms those instruments cite; summaries of earlier visits and the open
recommendations of those institutions. It never holds an interviewed person's identity.
Every list is read with a fixed number of queries, however many visits there are.
"""

import hashlib
import json
from collections import defaultdict
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Q, TextChoices
from django.utils import timezone

from kuzet.field import keys
from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.schema import questions
from kuzet.quality.judging import blocking_codes
from kuzet.quality.texts import rule_package
from kuzet.recommendations.models import MIN_TEXT_WORDS, Addressee, Recommendation
from kuzet.registry.models import Institution, Norm
from kuzet.visits.models import (
    MIN_DESCRIPTION_WORDS,
    THEMES,
    Allegation,
    CodedPerson,
    Finding,
    Interview,
    TeamMember,
    Visit,
)
from kuzet.visits.selectors import visits_for
from kuzet.visits.services.access import LOCKED, visit_access

PREVIOUS_VISITS_PER_INSTITUTION = 5


def package_content(user: Any) -> dict[str, Any]:
    """The package without its time of generation (what the ETag is a hash of); labels in
    the active language."""
    visits = _visits(user)
    visit_ids = [v.pk for v in visits]
    institutions = _institutions(user, {v.institution_id for v in visits})
    institution_ids = [i.pk for i in institutions]
    versions = _instrument_versions({i.type_id for i in institutions}, visit_ids)
    return {
        "user": _user(user),
        "server_key": _server_key(),
        "server_key_v2": _server_key_v2(),
        "visits": [_visit(v) for v in visits],
        "institutions": [_institution(i) for i in institutions],
        "instruments": [_instrument(v) for v in versions],
        "norms": _norms(versions),
        "previous_visits": _previous_visits(user, institution_ids, listed_visit_ids=visit_ids),
        "open_recommendations": _open_recommendations(user, institution_ids),
        "addressees": _addressees(),
        "choices": _choices(),
        "rules": _rules(),
        # The zone times are typed in on the tablet, whatever the tablet's own zone.
        "time_zone": settings.TIME_ZONE,
    }


# --- The package's parts ------------------------------------------------------------------


def _user(user: Any) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.get_username(),
        "full_name": user.full_name,
        "role": user.role,
    }


def _server_key() -> dict[str, str]:
    """The public key records are sealed to."""
    server_key = keys.current_key()
    return {"kid": server_key.kid, "spki": server_key.spki_base64}


def _server_key_v2() -> dict[str, str]:
    """The P-256 public key records are sealed to with envelope v2 (ECDH-ES)."""
    server_key = keys.current_ec_key()
    return {"kid": server_key.kid, "spki": server_key.spki_base64}


def _visits(user: Any) -> list[Visit]:
    candidates = (
        Visit.objects.filter(team__user=user)
        .exclude(status__in=LOCKED)
        .select_related("institution")
        .prefetch_related("team__user")
        .order_by("planned_date", "pk")
        .distinct()
    )
    return [v for v in candidates if visit_access(user, v).record]


def _visit(visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "institution": visit.institution_id,
        "planned_date": visit.planned_date,
        "kind": visit.kind,
        "kind_label": visit.get_kind_display(),
        "status": visit.status,
        "status_label": visit.get_status_display(),
        "announced": visit.announced,
        "objectives": visit.objectives,
        "theme": visit.theme,
        "team": [
            {
                "name": m.user.full_name or m.user.get_username(),
                "role": m.role,
                "role_label": TeamMember.Role(m.role).label,
            }
            for m in visit.team.all()
        ],
        "can_record": True,
    }


def _institutions(user: Any, visited_ids: set[int]) -> list[Institution]:
    """The active institutions of the user's regions, and those of the user's visits."""
    return list(
        Institution.objects.with_related()
        .filter(
            Q(pk__in=visited_ids)
            | Q(region_id__in=user.region_ids(), status=Institution.Status.ACTIVE)
        )
        .order_by("region__name_ru", "name_ru", "pk")
    )


def _institution(institution: Institution) -> dict[str, Any]:
    return {
        "id": institution.pk,
        "name": institution.name,
        "name_ru": institution.name_ru,
        "name_kk": institution.name_kk,
        "region": institution.region.name,
        "type": institution.type.code,
        "type_label": institution.type.name,
        "department": institution.department.short_name,
        "address": institution.address,
        "capacity": institution.capacity,
        "population": institution.population,
        "population_date": institution.population_date,
        "last_visited_on": institution.last_visited_on,
    }


def _instrument_versions(type_ids: set[int], visit_ids: list[int]) -> list[InstrumentVersion]:
    published = InstrumentVersion.objects.published().select_related("instrument")
    chosen = {v.pk: v for v in published.for_types(type_ids).newest()}
    # Older versions still used by the visits' records: a record made with one is accepted.
    for version in published.filter(responses__visit_id__in=visit_ids).distinct():
        chosen.setdefault(version.pk, version)
    versions = sorted(chosen.values(), key=lambda v: (v.instrument.code, -v.number))
    return list(
        InstrumentVersion.objects.filter(pk__in=[v.pk for v in versions])
        .select_related("instrument")
        .prefetch_related("instrument__assignments__institution_type")
        .order_by("instrument__code", "-number")
    )


def _instrument(version: InstrumentVersion) -> dict[str, Any]:
    return {
        "id": version.pk,
        "code": version.instrument.code,
        "number": version.number,
        "label": version.label,
        "kind": version.instrument.kind,
        "title": version.instrument.title,
        "title_ru": version.instrument.title_ru,
        "title_kk": version.instrument.title_kk,
        "institution_types": sorted(
            a.institution_type.code for a in version.instrument.assignments.all()
        ),
        "document": version.document,
    }


def _norms(versions: list[InstrumentVersion]) -> list[dict[str, Any]]:
    """The norms the instruments' questions cite, in both languages (the app switches
    language offline), with their official texts by effective date: the app shows the one
    in force on the visit's date."""
    codes: set[str] = set()
    for version in versions:
        for node in questions(version.document):
            codes.update(node.item.get("norms", []))
    return [
        {
            "code": n.code,
            "title": n.title,
            "title_ru": n.title_ru,
            "title_kk": n.title_kk,
            "text": n.text,
            "text_ru": n.text_ru,
            "text_kk": n.text_kk,
            "text_is_summary": n.text_is_summary,
            "source_act": n.source_act,
            "source_act_ru": n.source_act_ru,
            "source_act_kk": n.source_act_kk,
            "article": n.article,
            "versions": [
                {"effective_date": v.effective_date, "text_ru": v.text_ru, "text_kk": v.text_kk}
                for v in n.versions.all()
            ],
        }
        for n in Norm.objects.filter(code__in=codes).prefetch_related("versions").order_by("code")
    ]


def _previous_visits(
    user: Any, institution_ids: list[int], *, listed_visit_ids: list[int]
) -> list[dict[str, Any]]:
    """Up to PREVIOUS_VISITS_PER_INSTITUTION earlier visits of each institution that the
    user may open on the web, newest first, leaving out the visits the package lists to
    record on."""
    previous: dict[int, list[dict[str, Any]]] = defaultdict(list)
    earlier = (
        visits_for(user)
        .filter(institution_id__in=institution_ids, planned_date__lte=timezone.localdate())
        .exclude(pk__in=listed_visit_ids)
        .order_by("-planned_date", "-pk")
        .values("id", "institution_id", "planned_date", "status", "kind")
    )
    for row in earlier:
        listed = previous[row["institution_id"]]
        if len(listed) < PREVIOUS_VISITS_PER_INSTITUTION:
            listed.append(dict(row))
    return [
        {
            "id": row["id"],
            "institution": row["institution_id"],
            "planned_date": row["planned_date"],
            "status_label": Visit.Status(row["status"]).label,
            "kind_label": Visit.Kind(row["kind"]).label,
        }
        for rows in previous.values()
        for row in rows
    ]


def _open_recommendations(user: Any, institution_ids: list[int]) -> list[dict[str, Any]]:
    """The open recommendations of those institutions, from visits the user may open."""
    recommendations = (
        Recommendation.objects.open()
        .filter(visit__institution_id__in=institution_ids, visit__in=visits_for(user))
        .select_related("addressee", "visit")
        .order_by("deadline", "pk")
    )
    return [
        {
            "id": r.pk,
            "institution": r.visit.institution_id,
            "visit": r.visit_id,
            "text": r.text,
            "addressee": r.addressee.name,
            "status_label": r.get_status_display(),
            "deadline": r.deadline,
        }
        for r in recommendations
    ]


def _addressees() -> list[dict[str, Any]]:
    return [{"id": a.pk, "name": a.name} for a in Addressee.objects.filter(is_active=True)]


def _choices() -> dict[str, list[list[str]]]:
    """The lists a form offers, as [value, label] pairs."""
    return {
        "interview_kinds": _pairs(Interview.Kind),
        "vulnerabilities": _pairs(Interview.VULNERABILITIES),
        "reprisal_risks": _pairs(Interview.Risk),
        "themes": _pairs(THEMES),
        "sources": _pairs(Finding.SOURCES),
        "severities": _pairs(Finding.Severity),
        "obstacles": _pairs(Finding.Obstacle),
        "allegation_kinds": _pairs(Allegation.Kind),
        "perpetrators": _pairs(Allegation.Perpetrator),
        "methods": _pairs(Allegation.METHODS),
        "referrals": _pairs(Allegation.Referral),
        "extents": _pairs(Allegation.Extent),
        "recommendation_levels": _pairs(Recommendation.Level),
        "priorities": _pairs(Recommendation.Priority),
    }


def _pairs(choices: Any) -> list[list[str]]:
    if isinstance(choices, dict):
        return [[str(k), str(v)] for k, v in choices.items()]
    if isinstance(choices, type) and issubclass(choices, TextChoices):
        return [[str(k), str(v)] for k, v in choices.choices]
    return [[str(k), str(v)] for k, v in choices]


def _rules() -> dict[str, Any]:
    """The server's rules the device checks before a record is finalized."""
    return {
        "finding_min_words": MIN_DESCRIPTION_WORDS,
        "recommendation_min_words": MIN_TEXT_WORDS,
        "person_code_pattern": _person_code_pattern(),
        # The text rules of kuzet/quality (thresholds, lexicons, messages in the user's
        # language), evaluated on the tablet by quality/texts.js; the codes that block.
        "text_quality": rule_package(),
        "text_blocking": sorted(blocking_codes()),
    }


def _person_code_pattern() -> str:
    for validator in CodedPerson._meta.get_field("code").validators:
        regex = getattr(validator, "regex", None)
        if regex is not None:
            return str(regex.pattern)
    return ""


# --- Serialisation -------------------------------------------------------------------------


def _default(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)  # lazy translations


def to_json(content: dict[str, Any]) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, default=_default)


def etag_of(serialised: str) -> str:
    return '"' + hashlib.sha256(serialised.encode("utf-8")).hexdigest() + '"'
