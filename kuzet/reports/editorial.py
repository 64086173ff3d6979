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

from . import annual_analysis as analysis
from .annual_data import example_pools
from .models import AnnualComment, AnnualEdition, AnnualExample, AnnualSection
from .text import bilingual, data_sha256

E, S = AnnualEdition.Status, AnnualSection.Status
FIXED_SECTIONS = ("foreword", "figures", "methodology")
CLOSING_SECTIONS = ("obstacles", "recommendations", "conclusions")
MAX_TEXT = 50_000
MAX_COMMENT = 5_000
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
    published = newest if newest is not None and newest.status == E.PUBLISHED else None
    if newest is None or published is not None:
        edition = AnnualEdition(year=year, number=(newest.number + 1) if newest else 1)
        edition.full_clean()
        edition.save()
    else:
        edition = newest
    # A correction starts from the published text and choice of examples, as drafts.
    before = (
        {s.key: s for s in published.sections.prefetch_related("examples")} if published else {}
    )
    have = set(edition.sections.values_list("key", flat=True))
    for position, key in enumerate(section_keys()):
        if key not in have:
            earlier = before.get(key)
            section = AnnualSection(
                edition=edition,
                key=key,
                position=position,
                text_ru=earlier.text_ru if earlier else "",
                text_kk=earlier.text_kk if earlier else "",
            )
            section.full_clean()
            section.save()
            for example in earlier.examples.all() if earlier else ():
                copy = AnnualExample(
                    section=section,
                    finding_id=example.finding_id,
                    position=example.position,
                    chosen_by=example.chosen_by,
                )
                copy.full_clean()
                copy.save()
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
        data = report_data(spec, examples=examples_of(edition))
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


def _chapter_code(section: AnnualSection) -> str:
    if not section.key.startswith("chapter:"):
        raise ValidationError(_("Only a department's chapter has examples to choose."))
    return section.key.split(":", 1)[1]


def examples_of(edition: AnnualEdition) -> dict[str, list[int]]:
    """The examples chosen in each chapter of the edition, by department code, in order."""
    chosen: dict[str, list[int]] = {}
    for key, finding in (
        AnnualExample.objects.filter(section__edition=edition)
        .order_by("section", "position", "pk")
        .values_list("section__key", "finding_id")
    ):
        chosen.setdefault(key.split(":", 1)[1], []).append(finding)
    return chosen


def section_examples(section: AnnualSection) -> list[int]:
    return list(section.examples.order_by("position", "pk").values_list("finding_id", flat=True))


@transaction.atomic
def section_examples_set(
    *, actor: Any, section: AnnualSection, findings: list[int], was: list[int]
) -> list[int]:
    """Choose the examples a chapter prints, in this order (``findings``: finding ids among
    the chapter's candidates; none: the generated default). ``was`` is the choice the
    editor saw: if someone changed it since, nothing is saved. Changing the examples of an
    approved section takes it, and an approved edition, back to draft."""
    _require(actor, Action.COMPILE_ANNUAL_REPORT)
    current = (
        AnnualSection.objects.select_for_update(of=("self",))
        .select_related("edition")
        .get(pk=section.pk)
    )
    _editable(current)
    code = _chapter_code(current)
    stored = list(current.examples.order_by("position", "pk"))
    if [e.finding_id for e in stored] != list(was):
        raise ValidationError(
            _(
                "%(who)s changed the chosen examples of this chapter while you were choosing: "
                "nothing was saved; look at their choice and choose again."
            )
            % {"who": stored[0].chosen_by if stored else _("Someone")}
        )
    if len(set(findings)) != len(findings):
        raise ValidationError(_("An example is chosen twice: choose each once."))
    if len(findings) > analysis.CANDIDATE_POOL:
        raise ValidationError(
            _("At most %(n)s examples can be chosen.") % {"n": analysis.CANDIDATE_POOL}
        )
    if findings:
        pool = example_pools(current.edition.year, "ru", {code}).get(code, [])
        candidates = {c["finding"] for c in pool}
        unknown = [str(f) for f in findings if f not in candidates]
        if unknown:
            raise ValidationError(
                _(
                    "Not a candidate example of this chapter (any more): %(ids)s. Reload the "
                    "page and choose again."
                )
                % {"ids": ", ".join(unknown)}
            )
    if [e.finding_id for e in stored] == findings:
        return findings
    for example in stored:
        example.delete()
    for position, finding in enumerate(findings, start=1):
        example = AnnualExample(
            section=current, finding_id=finding, position=position, chosen_by=actor
        )
        example.full_clean()
        example.save()
    if current.status == S.APPROVED:
        current.status = S.DRAFT
        current.save(update_fields=["status"])
    _back_to_draft(current.edition)
    return findings


@transaction.atomic
def comment_add(*, actor: Any, section: AnnualSection, text: str) -> AnnualComment:
    """An internal comment on a section (never printed), sanitised like the narrative."""
    _require(actor, Action.COMPILE_ANNUAL_REPORT)
    if len(text) > MAX_COMMENT:
        raise ValidationError(_("A comment is at most %(n)s characters.") % {"n": MAX_COMMENT})
    clean = sanitise(text)
    if not clean:
        raise ValidationError(_("The comment is empty (any HTML is removed): write it first."))
    comment = AnnualComment(section=section, author=actor, text=clean)
    comment.full_clean()
    comment.save()
    return comment


@transaction.atomic
def comment_resolve(*, actor: Any, comment: AnnualComment, resolved: bool) -> AnnualComment:
    """Mark a comment resolved (or open again)."""
    _require(actor, Action.COMPILE_ANNUAL_REPORT)
    comment = AnnualComment.objects.select_for_update().get(pk=comment.pk)
    if resolved and comment.resolved_at is None:
        comment.resolved_by, comment.resolved_at = actor, timezone.now()
    elif not resolved and comment.resolved_at is not None:
        comment.resolved_by, comment.resolved_at = None, None
    else:
        return comment
    comment.save(update_fields=["resolved_by", "resolved_at"])
    return comment
