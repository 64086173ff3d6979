"""Corrections on request: the records of a visit a review comment may be about, how each is
named and where it is shown and corrected, and what changed in them (from the audit trail,
``core.changes``) for the reviewer.

Recommendations belong to a later app; they are reached through the visit
(``visit.recommendations``) and their pages by URL name, so this module imports nothing of
that app.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.text import Truncator, capfirst

from kuzet.core.changes import Change, record_changes
from kuzet.core.zones import when
from kuzet.visits.models import ReviewComment, Section, Visit
from kuzet.visits.services.review import RECORDS_OF_SECTION

S = Section
# The page correcting a record of each section (the recommendation's is by its own pk).
EDIT_URL: dict[str, str] = {
    S.INTERVIEWS: "visits:interview_edit",
    S.FINDINGS: "visits:finding_edit",
    S.ALLEGATIONS: "visits:allegation_edit",
    S.RECOMMENDATIONS: "recommendations:recommendation_edit",
}
# The anchor of a record on its tab: ``#finding-12``.
ANCHOR: dict[str, str] = {
    S.INTERVIEWS: "interview",
    S.FINDINGS: "finding",
    S.ALLEGATIONS: "allegation",
    S.RECOMMENDATIONS: "recommendation",
}


@dataclass(frozen=True)
class RecordRef:
    section: str
    record: Any
    label: str
    # False for what is shown with a section but has no place of its own (a coded person).
    linked: bool = True

    @property
    def kind(self) -> str:
        """What the record is: ``Finding``, ``Coded person``."""
        return capfirst(str(self.record._meta.verbose_name))

    @property
    def value(self) -> str:
        """The record as a choice of the comment form: ``findings:12``."""
        return f"{self.section}:{self.record.pk}"

    @property
    def anchor(self) -> str:
        return f"{ANCHOR[self.section]}-{self.record.pk}"

    @property
    def tab_url(self) -> str:
        visit_id = self.record.visit_id
        return f"{reverse('visits:visit_tab', args=[visit_id, self.section])}#{self.anchor}"

    @property
    def edit_url(self) -> str:
        if self.section == S.RECOMMENDATIONS:
            return reverse(EDIT_URL[self.section], args=[self.record.pk])
        return reverse(EDIT_URL[self.section], args=[self.record.visit_id, self.record.pk])


def record_label(section: str, record: Any) -> str:
    """How a record is named in comments and in the change history: never by a person's
    name (a coded person is its code)."""
    if section == S.INTERVIEWS:
        return f"{record} · {when(record.conducted_at)}"
    return Truncator(str(record)).chars(90)


def _records(visit: Visit, section: str) -> Any:
    related = getattr(visit, RECORDS_OF_SECTION[section])
    if section in (S.INTERVIEWS, S.ALLEGATIONS):
        return related.select_related("person")
    return related.all()


def visit_records(visit: Visit) -> list[RecordRef]:
    """Every record of the visit a comment may be about, section by section; read once per
    visit object (a page asks for them for its comments, their form and the changes)."""
    cached: list[RecordRef] | None = getattr(visit, "_records_of_corrections", None)
    if cached is None:
        cached = [
            RecordRef(section, record, record_label(section, record))
            for section in RECORDS_OF_SECTION
            for record in _records(visit, section)
        ]
        setattr(visit, "_records_of_corrections", cached)  # noqa: B010 (not a model field)
    return cached


def record_choices(visit: Visit) -> list[tuple[str, list[tuple[str, str]]]]:
    """The comment form's choices: the records grouped by section."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for ref in visit_records(visit):
        groups.setdefault(str(Section(ref.section).label).capitalize(), []).append(
            (ref.value, ref.label)
        )
    return list(groups.items())


def commented_records(visit: Visit, comments: Iterable[ReviewComment]) -> dict[int, RecordRef]:
    """The record each comment is about, by comment pk (comments about a section as a whole,
    or about a record no longer there, have none)."""
    wanted = [c for c in comments if c.record_id is not None and c.section in RECORDS_OF_SECTION]
    if not wanted:
        return {}
    refs = {(ref.section, ref.record.pk): ref for ref in visit_records(visit)}
    return {
        c.pk: refs[(c.section, c.record_id)] for c in wanted if (c.section, c.record_id) in refs
    }


def changed_records(visit: Visit) -> list[tuple[RecordRef, list[Change]]]:
    """The visit's records that were changed after they were recorded, with their changes,
    section by section; the people met (their encrypted identities) with their interviews'
    section."""
    refs = visit_records(visit)
    people = list(visit.people.all())
    changes = record_changes([*(ref.record for ref in refs), *people])
    found = []
    for ref in refs:
        key = (ref.record._meta.label_lower, ref.record.pk)
        if key in changes:
            found.append((ref, changes[key]))
    for person in people:
        key = (person._meta.label_lower, person.pk)
        if key in changes:
            found.append((RecordRef(S.INTERVIEWS, person, person.code, linked=False), changes[key]))
    return found
