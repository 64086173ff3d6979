"""The translation queue of the annual report (issue 16): the passages the report of a year
uses that lack their Kazakh (or Russian) text, who is translating each, how much is done.

The passages are those the report prints: the titles of the findings a department chapter
quotes (serious problems, good practice, the candidate examples) and the descriptions of
the candidates it may quote, the recommendations it lists (a chapter's groups — translating
a group's first recommendation translates the group — and the main list), and the sections'
narrative of the edition being written. A finding's or recommendation's field is "Russian"
or "Kazakh" as the form names it.

A translator takes a passage (``translation_claim``), so that two people do not translate
the same text, and gives it back (``translation_release``) or saves the translation
(``translation_save``, which releases it). Saving writes only the missing language of an
approved record: what the team wrote is not changed, and the audit trail keeps who wrote
the translation and when.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kuzet.core.i18n import localized
from kuzet.core.policy import Action, can
from kuzet.quality.copies import forget_text, remember_text
from kuzet.recommendations.models import Recommendation
from kuzet.registry.models import Department
from kuzet.visits.models import Finding, VisitChange

from . import annual_analysis as analysis
from . import annual_data
from .editorial import MAX_TEXT, examples_of, sanitise, section_title
from .models import AnnualEdition, AnnualSection, TranslationClaim
from .text import language_of

LANGUAGES = ("kk", "ru")
# Where a passage's two languages are kept: (Russian field, Kazakh field).
FIELDS = {
    "title": ("title", "title_kk"),
    "description": ("description", "description_kk"),
    "text": ("text_ru", "text_kk"),
}


@dataclass
class Passage:
    source: str  # "finding:12:title", "recommendation:40:text", "section:7:text"
    kind: str  # what it is, in words
    where: str  # the chapter or section
    text: str  # the text as written, in the other language
    language: str  # the language it lacks ("kk", "ru"), or "" when it has both
    claim: TranslationClaim | None = None

    @property
    def done(self) -> bool:
        return not self.language


def _need(ru: str, kk: str) -> str:
    """The language a passage lacks: "" when both (or neither) are written. A Russian field
    holding Kazakh (written before the Kazakh fields existed) lacks its Russian."""
    if ru.strip() and not kk.strip():
        return "ru" if language_of(ru) == "kk" else "kk"
    if kk.strip() and not ru.strip():
        return "ru"
    return ""


def used_records(year: int) -> tuple[dict[int, set[str]], set[int]]:
    """The findings (with the fields the report prints of each) and the recommendations
    the annual report of ``year`` uses, chosen as ``annual_data`` chooses them."""
    period = annual_data._Period(date(year, 1, 1), date(year, 12, 31), "kk")
    spread = analysis.Spread(period)
    findings: dict[int, set[str]] = {}
    recommendations: set[int] = set()
    edition = edition_of(year)
    chosen = examples_of(edition) if edition is not None else {}
    for department in Department.objects.filter(is_active=True):
        mine = chosen.get(department.code)
        pool = analysis.example_candidates(
            period,
            department.pk,
            spread,
            limit=analysis.CANDIDATE_POOL if mine else analysis.CANDIDATES,
        )
        in_department = period.findings.filter(visit__institution__department=department)
        for pk in [
            *annual_data.serious_findings(in_department).values_list("pk", flat=True),
            *annual_data.good_practices(in_department).values_list("pk", flat=True),
        ]:
            findings.setdefault(pk, set()).add("title")
        for candidate in analysis.chosen_examples(pool, mine)[0]:
            fields = findings.setdefault(candidate["finding"], set())
            fields.add("title")
            if candidate["description"] is not None:
                fields.add("description")
        recommendations.update(g["pk"] for g in annual_data.department_groups(period, department))
    recommendations.update(
        g["pk"] for g in annual_data.main_groups(period)[: annual_data.LISTED_RECOMMENDATIONS]
    )
    return findings, recommendations


def edition_of(year: int) -> AnnualEdition | None:
    """The edition being written (or the newest published one) of ``year``."""
    return AnnualEdition.objects.filter(year=year).first()


def translation_queue(year: int, language: str) -> list[Passage]:
    """Every passage the report of ``year`` uses, those lacking a text first; ``language``
    "kk" or "ru" keeps the passages whose missing text is in that language (with the done
    ones), "" keeps all."""
    findings, recommendations = used_records(year)
    passages: list[Passage] = []
    ui = "kk" if (get_language() or "").startswith("kk") else "ru"  # the page's language
    for f in (
        Finding.objects.filter(pk__in=findings)
        .select_related("visit__institution__department")
        .order_by("visit__institution__department__sort_order", "theme", "title", "pk")
    ):
        where = " · ".join(
            [
                localized(f.visit.institution.department, "short_name", ui)
                or localized(f.visit.institution.department, "name", ui),
                localized(f.visit.institution, "name", ui),
            ]
        )
        for field in ("title", "description"):
            if field not in findings[f.pk]:
                continue
            ru, kk = (getattr(f, name) for name in FIELDS[field])
            passages.append(
                Passage(
                    source=f"finding:{f.pk}:{field}",
                    kind=_("finding: title") if field == "title" else _("finding: description"),
                    where=where,
                    text=ru or kk,
                    language=_need(ru, kk),
                )
            )
    for r in (
        Recommendation.objects.filter(pk__in=recommendations)
        .select_related("visit__institution__department")
        .order_by("visit__institution__department__sort_order", "pk")
    ):
        passages.append(
            Passage(
                source=f"recommendation:{r.pk}:text",
                kind=_("recommendation"),
                where=localized(r.visit.institution.department, "name", ui),
                text=r.text_ru or r.text_kk,
                language=_need(r.text_ru, r.text_kk),
            )
        )
    edition = edition_of(year)
    if edition is not None:
        for s in edition.sections.order_by("position"):
            if not (s.text_ru.strip() or s.text_kk.strip()):
                continue  # nothing written yet: nothing to translate
            passages.append(
                Passage(
                    source=f"section:{s.pk}:text",
                    kind=_("narrative"),
                    where=section_title(s.key, ui),
                    text=s.text_ru or s.text_kk,
                    language=_need(s.text_ru, s.text_kk),
                )
            )
    if language:
        passages = [p for p in passages if p.done or p.language == language]
    claims = {
        (c.source, c.language): c
        for c in TranslationClaim.objects.filter(year=year).select_related("claimed_by")
    }
    for p in passages:
        p.claim = claims.get((p.source, p.language))
    passages.sort(key=lambda p: p.done)  # stable: the missing ones first, in reading order
    return passages


def _require(actor: Any) -> None:
    if not can(actor, Action.COMPILE_ANNUAL_REPORT):
        raise PermissionDenied(_("You may not translate the annual report."))


def _parse(year: int, source: str, language: str) -> tuple[Any, str]:
    """The record and field name a passage's ``language`` is written in; refuses a passage
    the report of ``year`` does not use."""
    if language not in LANGUAGES:
        raise ValidationError(_("Unknown language “%(value)s”.") % {"value": language})
    parts = source.split(":")
    if len(parts) != 3 or not parts[1].isdigit() or parts[2] not in FIELDS:
        raise ValidationError(_("Unknown passage “%(value)s”.") % {"value": source})
    kind, pk, field = parts[0], int(parts[1]), parts[2]
    name = FIELDS[field][0 if language == "ru" else 1]
    if kind == "section" and field == "text":
        section = AnnualSection.objects.select_related("edition").filter(pk=pk).first()
        if section is not None and section.edition.year == year:
            return section, name
    elif kind in ("finding", "recommendation"):
        findings, recommendations = used_records(year)
        if kind == "finding" and field in findings.get(pk, set()):
            return Finding.objects.select_related("visit").get(pk=pk), name
        if kind == "recommendation" and field == "text" and pk in recommendations:
            return Recommendation.objects.select_related("visit").get(pk=pk), name
    raise ValidationError(
        _("The annual report of %(year)s does not use the passage “%(value)s”.")
        % {"year": year, "value": source}
    )


@transaction.atomic
def translation_claim(*, actor: Any, year: int, source: str, language: str) -> TranslationClaim:
    """Take a passage to translate; refused when someone else has taken it."""
    _require(actor)
    _parse(year, source, language)
    held = TranslationClaim.objects.filter(year=year, source=source, language=language).first()
    if held is not None:
        if held.claimed_by_id == actor.pk:
            return held
        raise ValidationError(
            _("%(who)s is translating this passage already.") % {"who": held.claimed_by}
        )
    claim = TranslationClaim(year=year, source=source, language=language, claimed_by=actor)
    claim.full_clean()
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError:  # taken at the same moment by someone else
        raise ValidationError(_("Someone has just taken this passage.")) from None
    return claim


@transaction.atomic
def translation_release(*, actor: Any, claim: TranslationClaim) -> None:
    """Give a passage back to the queue (the translator, or a colleague when the
    translator is away: the trail says who)."""
    _require(actor)
    TranslationClaim.objects.filter(pk=claim.pk).delete()


@transaction.atomic
def translation_save(*, actor: Any, year: int, source: str, language: str, text: str) -> Any:
    """Write a passage's missing ``language``: only an empty field is written (a text
    someone wrote meanwhile is not overwritten); the claim on it is released."""
    _require(actor)
    record, field = _parse(year, source, language)
    record = type(record).objects.select_for_update().get(pk=record.pk)
    text = text.strip()
    if isinstance(record, AnnualSection):
        if record.edition.status == AnnualEdition.Status.PUBLISHED:
            raise ValidationError(_("This edition is published and never changes."))
        text = sanitise(text)
    if not text:
        raise ValidationError(_("Write the translation."))
    if len(text) > MAX_TEXT:
        raise ValidationError(_("A translation is at most %(n)s characters.") % {"n": MAX_TEXT})
    ru_field, kk_field = (f for f in FIELDS[source.split(":")[2]])
    update = [field]
    written_ru, written_kk = getattr(record, ru_field), getattr(record, kk_field)
    if _need(written_ru, written_kk) != language:
        raise ValidationError(
            _("This passage has been translated meanwhile: its text is in the queue.")
        )
    if language == "ru" and written_ru.strip():
        # Kazakh kept in the Russian field: it moves to the Kazakh one.
        setattr(record, kk_field, written_ru)
        update.append(kk_field)
    setattr(record, field, text)
    if isinstance(record, AnnualSection):
        record.version += 1
        record.updated_by = actor
        record.updated_at = timezone.now()
        update += ["version", "updated_by", "updated_at"]
    record.full_clean()
    record.save(update_fields=update)
    if isinstance(record, Recommendation):
        forget_text(record.quality_source)
        for quality_source, quality_text in record.quality_texts().items():
            remember_text(
                kind="recommendation",
                source=quality_source,
                text=quality_text,
                institution_id=record.visit.institution_id,
            )
    if isinstance(record, (Finding, Recommendation)):
        VisitChange.mark(record.visit_id)
    TranslationClaim.objects.filter(year=year, source=source, language=language).delete()
    return record


def progress(passages: list[Passage]) -> dict[str, int]:
    total = len(passages)
    done = sum(1 for p in passages if p.done)
    return {
        "total": total,
        "done": done,
        "missing": total - done,
        "claimed": sum(1 for p in passages if p.claim is not None and not p.done),
        "percent": round(100 * done / total) if total else 100,
    }


def source_label(source: str) -> str:
    """A passage's name in words, without reading it ("finding 12: title")."""
    kind, _sep, rest = source.partition(":")
    pk, _sep, field = rest.partition(":")
    names = {
        ("finding", "title"): _("finding %(pk)s: title"),
        ("finding", "description"): _("finding %(pk)s: description"),
        ("recommendation", "text"): _("recommendation %(pk)s"),
        ("section", "text"): _("narrative of section %(pk)s"),
    }
    name = names.get((kind, field))
    return name % {"pk": pk} if name else source
