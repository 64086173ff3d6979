"""The annual report's editorial workspace (issue 16): the secretariat writes each
section's narrative in Russian and Kazakh, marks it ready; the Council approves the
sections and the whole; publishing freezes the content (data and narrative, both
languages) with its SHA-256. Files are then built from the frozen content
(``tasks.annual_edition_publish`` queues them: the services never import the tasks).

Narrative is plain text with a little markup: paragraphs (blank lines), list items
("- "), **strong** and *emphasis*. Any HTML is removed on saving, so that nothing the
editors type is ever taken as markup by a page, the PDF or the DOCX.
"""

import html
import re
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kuzet.core.policy import Action, can
from kuzet.registry.models import Department

from .models import AnnualEdition, AnnualSection
from .text import bilingual, data_sha256

E, S = AnnualEdition.Status, AnnualSection.Status
FIXED_SECTIONS = ("foreword", "figures", "methodology")
CLOSING_SECTIONS = ("obstacles", "recommendations", "conclusions")
MAX_TEXT = 50_000
_DANGEROUS = re.compile(r"<(script|style|iframe|object|embed)\b.*?(</\1\s*>|$)", re.I | re.S)
_TAG = re.compile(r"<[^>]*>?")


class EditConflict(Exception):
    """Someone saved the section since this editor opened it: nothing was overwritten.
    ``current`` is the section as saved; ``mine`` what this editor sent (kept for them)."""

    def __init__(self, current: AnnualSection, mine: dict[str, str]) -> None:
        self.current, self.mine = current, mine
        super().__init__(
            _(
                "%(who)s saved this section while you were editing it. Your text is kept "
                "in the form: compare it with theirs and save again."
            )
            % {"who": current.updated_by or _("Someone")}
        )


def sanitise(text: str) -> str:
    """The narrative without any HTML: scripts and styles with their content, every other
    tag, entities decoded to the characters they stand for (then never read as markup)."""
    text = _DANGEROUS.sub("", text.replace("\r\n", "\n"))
    text = _TAG.sub("", text)
    text = html.unescape(text)
    text = _TAG.sub("", _DANGEROUS.sub("", text))  # what decoding revealed
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def section_keys() -> list[str]:
    """The sections of the report, in its order: one chapter per active department."""
    chapters = [
        f"chapter:{d.code}"
        for d in Department.objects.filter(is_active=True).order_by("sort_order", "name_ru")
    ]
    return [*FIXED_SECTIONS, *chapters, *CLOSING_SECTIONS]


def section_title(key: str, language: str) -> str:
    titles = {
        "foreword": pgettext("report chapter", "Foreword"),
        "figures": _("The year in figures"),
        "methodology": _("Methodology"),
        "obstacles": _("Cooperation and obstacles to access"),
        "recommendations": _("Recommendations"),
        "conclusions": _("Conclusions of the Coordination Council"),
    }
    if key.startswith("chapter:"):
        department = Department.objects.filter(code=key.split(":", 1)[1]).first()
        if department is not None:
            return (
                department.name_kk
                if language == "kk" and department.name_kk
                else department.name_ru
            )
    return str(titles.get(key, key))


def _require(actor: Any, action: Action) -> None:
    if not can(actor, action):
        raise PermissionDenied(_("You may not do this with the annual report."))


@transaction.atomic
def annual_edition_open(*, actor: Any, year: int) -> AnnualEdition:
    """The edition of ``year`` being written: the newest unpublished one, or a new one (a new
    edition after a published one), with every section."""
    _require(actor, Action.COMPILE_ANNUAL_REPORT)
    newest = AnnualEdition.objects.select_for_update().filter(year=year).first()
    if newest is None or newest.status == E.PUBLISHED:
        edition = AnnualEdition(year=year, number=(newest.number + 1) if newest else 1)
        edition.full_clean()
        edition.save()
    else:
        edition = newest
    have = set(edition.sections.values_list("key", flat=True))
    for position, key in enumerate(section_keys()):
        if key not in have:
            section = AnnualSection(edition=edition, key=key, position=position)
            section.full_clean()
            section.save()
    return edition


def _editable(section: AnnualSection) -> None:
    if section.edition.status == E.PUBLISHED:
        raise ValidationError(
            _("This edition is published and never changes: open a new edition to correct it.")
        )


@transaction.atomic
def section_save(
    *, actor: Any, section: AnnualSection, text_ru: str, text_kk: str, version: int
) -> AnnualSection:
    """Save a section's narrative, sanitised, if nobody saved it since ``version``; raises
    ``EditConflict`` otherwise. Saving an approved section takes it back to draft, and an
    approved edition back to being written."""
    _require(actor, Action.COMPILE_ANNUAL_REPORT)
    current = (
        AnnualSection.objects.select_for_update(of=("self",))
        .select_related("edition", "updated_by")
        .get(pk=section.pk)
    )
    _editable(current)
    mine = {"text_ru": text_ru, "text_kk": text_kk}
    if current.version != version:
        raise EditConflict(current, mine)
    if len(text_ru) > MAX_TEXT or len(text_kk) > MAX_TEXT:
        raise ValidationError(
            _("A section's text is at most %(n)s characters in each language.") % {"n": MAX_TEXT}
        )
    current.text_ru, current.text_kk = sanitise(text_ru), sanitise(text_kk)
    current.version += 1
    current.updated_by, current.updated_at = actor, timezone.now()
    fields = ["text_ru", "text_kk", "version", "updated_by", "updated_at"]
    if current.status == S.APPROVED:
        current.status = S.DRAFT
        fields.append("status")
    current.full_clean()
    current.save(update_fields=fields)
    _back_to_draft(current.edition)
    return current


def _back_to_draft(edition: AnnualEdition) -> None:
    if edition.status == E.APPROVED:
        edition.status, edition.approved_by, edition.approved_at = E.DRAFT, None, None
        edition.save(update_fields=["status", "approved_by", "approved_at"])


@transaction.atomic
def section_set_status(*, actor: Any, section: AnnualSection, status: str) -> AnnualSection:
    """draft → ready (the secretariat) → approved (the Council); back to draft at any time
    before publishing."""
    current = (
        AnnualSection.objects.select_for_update(of=("self",))
        .select_related("edition")
        .get(pk=section.pk)
    )
    _editable(current)
    if status not in S.values:
        raise ValidationError({"status": [_("Unknown status “%(value)s”.") % {"value": status}]})
    _require(
        actor,
        Action.APPROVE_ANNUAL_REPORT if status == S.APPROVED else Action.COMPILE_ANNUAL_REPORT,
    )
    if status == S.APPROVED and current.status != S.READY:
        raise ValidationError(_("Only a section marked ready can be approved."))
    current.status = status
    current.save(update_fields=["status"])
    if status != S.APPROVED:
        _back_to_draft(current.edition)
    return current


def _not_approved(edition: AnnualEdition, language: str) -> list[str]:
    return [
        section_title(s.key, language)
        for s in edition.sections.exclude(status=S.APPROVED).order_by("position")
    ]


def _refuse_unapproved(edition: AnnualEdition) -> None:
    missing = _not_approved(edition, translation.get_language() or "ru")
    if missing:
        raise ValidationError(
            _("These sections are not approved yet: %(sections)s.")
            % {"sections": "; ".join(missing)}
        )


@transaction.atomic
def edition_approve(*, actor: Any, edition: AnnualEdition) -> AnnualEdition:
    """The Council approves the whole report: every section must be approved."""
    _require(actor, Action.APPROVE_ANNUAL_REPORT)
    edition = AnnualEdition.objects.select_for_update().get(pk=edition.pk)
    if edition.status == E.PUBLISHED:
        raise ValidationError(_("This edition is published already."))
    _refuse_unapproved(edition)
    edition.status, edition.approved_by, edition.approved_at = E.APPROVED, actor, timezone.now()
    edition.save(update_fields=["status", "approved_by", "approved_at"])
    return edition


def narrative_of(edition: AnnualEdition, language: str) -> dict[str, str]:
    """Each section's narrative in ``language`` ('' where it is not written)."""
    field = "text_kk" if language == "kk" else "text_ru"
    return {s.key: getattr(s, field) for s in edition.sections.order_by("position")}


@transaction.atomic
def edition_publish(*, actor: Any, edition: AnnualEdition, marked: bool = False) -> AnnualEdition:
    """Freeze the approved edition: the report's data and narrative in both languages,
    stored with the SHA-256 of their canonical JSON. Refused, changing nothing, while a
    section or the whole is not approved, or (unless ``marked``) while an edition has
    passages not in its language (the Kazakh one not in Kazakh, the Russian one not in
    Russian): the message lists them."""
    from .services import Untranslated, annual_spec, report_data

    _require(actor, Action.COMPILE_ANNUAL_REPORT)
    edition = AnnualEdition.objects.select_for_update().get(pk=edition.pk)
    if edition.status == E.PUBLISHED:
        raise ValidationError(_("This edition is published already."))
    _refuse_unapproved(edition)
    if edition.status != E.APPROVED:
        raise ValidationError(_("The Council has not approved the report as a whole yet."))
    content: dict[str, Any] = {}
    for language in ("ru", "kk"):
        spec = annual_spec(
            actor=actor,
            start=date(edition.year, 1, 1),
            end=date(edition.year, 12, 31),
            language=language,
            marked=marked,
        )
        data = report_data(spec)
        russian, kazakh = narrative_of(edition, "ru"), narrative_of(edition, "kk")
        with translation.override(language):  # the marks in the edition's language
            narrative = {
                key: bilingual(russian[key], kazakh[key], language)
                for key in russian
                if russian[key].strip() or kazakh[key].strip()
            }
        # Either edition may lack a text (either language may be written first).
        with translation.override(language):
            missing = [
                _("narrative: %(section)s") % {"section": section_title(key, language)}
                for key, text in narrative.items()
                if text["note"]
            ]
        data["untranslated"] = [*missing, *data.get("untranslated", [])]
        data["narrative"] = narrative
        data["edition"] = {"year": edition.year, "number": edition.number}
        content[language] = data
    if not marked:
        # The Kazakh edition first: the translation still owed is mostly into Kazakh.
        for language in ("kk", "ru"):
            if content[language]["untranslated"]:
                raise Untranslated(content[language]["untranslated"], language)
    edition.content = content
    edition.content_sha256 = data_sha256(content)
    edition.untranslated_marked = marked
    edition.status, edition.published_at = E.PUBLISHED, timezone.now()
    edition.save(
        update_fields=["content", "content_sha256", "untranslated_marked", "status", "published_at"]
    )
    return edition
