"""The audit trail page as people read it: the filters it takes (checked, with a message
for each refused value) and each event as a row — who (name and role), what (the action in
words), which record (its type's name, its own name only for records that never stand for
an interviewed person, a link where the viewer may open it) and which fields, by their
labels (``core.changes``: values of encrypted and sensitive fields are never shown).

Records are named by ``str()`` only for the types listed in ``NAMED``: registry entries,
staff accounts and the like. Everything else — interviews, coded persons, appeals,
allegations, answers — is its type and number ("Interview #12"), whatever it holds.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kuzet.core.audit import SYSTEM, AuditedModel
from kuzet.core.changes import FieldChange, field_changes, related_names
from kuzet.core.models import AuditAction, AuditEvent
from kuzet.core.params import date_param, id_param
from kuzet.core.policy import Action, regions_where

if TYPE_CHECKING:
    from kuzet.core.policy import AnyUser

# Types whose records are named by their str(): none of them can stand for, or name, an
# interviewed person.
NAMED = frozenset(
    {
        "people.user",
        "people.regionalgroup",
        "registry.region",
        "registry.department",
        "registry.institutiontype",
        "registry.institution",
        "registry.norm",
        "instruments.instrument",
        "recommendations.addressee",
    }
)
# Links: type -> (URL name, who may open it). Checked for each viewer.
LINKS: dict[str, tuple[str, Action]] = {
    "registry.institution": ("registry:institution_detail", Action.VIEW_INVENTORY),
    "visits.visit": ("visits:visit_detail", Action.VIEW_VISIT),
}


@dataclass(frozen=True)
class Filters:
    person: int | None = None
    type: str = ""
    record: str = ""
    action: str = ""
    start: date | None = None
    end: date | None = None
    errors: list[str] = field(default_factory=list)

    def apply(self, events: "models.QuerySet[AuditEvent]") -> "models.QuerySet[AuditEvent]":
        if self.person is not None:
            events = events.filter(actor_id=self.person)
        if self.type:
            events = events.filter(object_type=self.type)
        if self.record:
            events = events.filter(object_id=self.record)
        if self.action:
            events = events.filter(action=self.action)
        zone = timezone.get_current_timezone()
        if self.start is not None:
            events = events.filter(occurred_at__gte=datetime.combine(self.start, time.min, zone))
        if self.end is not None:
            events = events.filter(occurred_at__lte=datetime.combine(self.end, time.max, zone))
        return events


def record_types() -> list[tuple[str, str]]:
    """Every audited type, (label, its name), by name."""
    found = [
        (model._meta.label_lower, capfirst(str(model._meta.verbose_name)))
        for model in apps.get_models()
        if issubclass(model, AuditedModel)
    ]
    return sorted(found, key=lambda pair: pair[1])


def filters_from(query: Any) -> Filters:
    """The filters of a query string; each value refused is left out and said why."""
    errors: list[str] = []
    person = None
    if query.get("person", ""):
        person = id_param(query["person"])
        if person is None:
            errors.append(_("Person: choose someone from the list."))
    kind = query.get("type", "").strip()
    if kind and kind not in dict(record_types()):
        errors.append(_("Record type: choose one from the list."))
        kind = ""
    record = query.get("record", "").strip()
    if record:
        if id_param(record) is None:
            errors.append(_("Record number: a whole number above zero, such as 12."))
            record = ""
        elif not kind:
            errors.append(_("Record number: choose the record type too."))
            record = ""
    action = query.get("action", "").strip()
    if action and action not in AuditAction.values:
        errors.append(_("Action: choose one from the list."))
        action = ""
    start = end = None
    if query.get("from", ""):
        start = date_param(query["from"])
        if start is None:
            errors.append(_("From: a date such as 2026-03-31."))
    if query.get("to", ""):
        end = date_param(query["to"])
        if end is None:
            errors.append(_("To: a date such as 2026-03-31."))
    if start and end and start > end:
        errors.append(_("The period ends before it starts: the dates are swapped."))
        start, end = end, start
    return Filters(person, kind, record, action, start, end, errors)


@dataclass(frozen=True)
class Row:
    id: int
    at: datetime
    who: str
    role: str
    action: str
    kind: str
    record: str
    url: str | None
    fields: list[FieldChange]
    # A creation lists the values set, not "— → value".
    created: bool


def rows(events: list[AuditEvent], viewer: "AnyUser") -> list[Row]:
    """The events as rows; a fixed number of queries (one per type on the page) however
    many events."""
    from django.contrib.auth import get_user_model

    people = {
        user.pk: user
        for user in get_user_model()
        .objects.filter(pk__in={e.actor_id for e in events if e.actor_id is not None})
        .only("pk", "username", "full_name", "role")
    }
    model_of: dict[str, type[models.Model] | None] = {}
    for event in events:
        if event.object_type and event.object_type not in model_of:
            try:
                model_of[event.object_type] = apps.get_model(event.object_type)
            except (LookupError, ValueError):
                model_of[event.object_type] = None
    named_ids: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.object_type in NAMED and model_of.get(event.object_type) and event.object_id:
            named_ids[event.object_type].add(event.object_id)
    names: dict[tuple[str, str], str] = {}
    for label, ids in named_ids.items():
        model = model_of[label]
        assert model is not None
        pks = [pk for pk in ids if id_param(pk) is not None]
        for pk, obj in model._default_manager.select_related().in_bulk(pks).items():
            names[(label, str(pk))] = str(obj)
    related = related_names(
        [(m, e) for e in events if (m := model_of.get(e.object_type)) is not None]
    )
    result = []
    for event in events:
        model = model_of.get(event.object_type)
        user = people.get(event.actor_id) if event.actor_id is not None else None
        if user is not None:
            who, role = str(user), user.role_label
        elif event.actor_id is None and event.actor_username in ("", SYSTEM.username):
            who, role = _("system"), ""
        else:
            who, role = event.actor_username or "—", ""
        if model is not None:
            kind = capfirst(str(model._meta.verbose_name))
            pk_name = model._meta.pk.attname if model._meta.pk is not None else "id"
            shown = [name for name in event.fields if name != pk_name]
            fields = field_changes(model, event, related, shown)
        else:
            kind = event.object_type
            fields = [FieldChange(name, None, None) for name in event.fields]
        record = names.get((event.object_type, event.object_id), "")
        if not record and event.object_id:
            record = f"#{event.object_id}"
        result.append(
            Row(
                id=event.id,
                at=event.occurred_at,
                who=who,
                role=role,
                action=event.get_action_display(),
                kind=kind,
                record=record,
                url=_link(viewer, event) if event.action != AuditAction.DELETE else None,
                fields=fields,
                created=event.action == AuditAction.CREATE,
            )
        )
    return result


def _link(viewer: "AnyUser", event: AuditEvent) -> str | None:
    """The record's page when its type has one and the viewer may open every such record
    (the roles reading this page are national: no record-by-record check is needed)."""
    if event.object_type not in LINKS or id_param(event.object_id) is None:
        return None
    name, action = LINKS[event.object_type]
    if regions_where(viewer, action) is not None:
        return None
    return reverse(name, args=[int(event.object_id)])
