"""The changes the audit trail recorded on given records, as people read them: who, when,
which field (its label, not its column) and, for a field whose values the trail keeps, from
what to what (choices by their labels, lists item by item, times in the site's zone). A
field whose values never enter the trail (encrypted, sensitive) is only said to have
changed; so is a set of linked records (``AuditedModel.set_related``). Links set right after
a record is created, by its creator, belong to its creation and are not listed as changes.

The reviewer reads them per record on the review tab of a visit (``visits.views.review``).
"""

import ast
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kuzet.core.audit import AuditedModel
from kuzet.core.models import AuditAction, AuditEvent
from kuzet.core.zones import when


@dataclass(frozen=True)
class FieldChange:
    label: str
    # None when the trail keeps no values of the field: it is only said to have changed.
    before: str | None
    after: str | None

    @property
    def hidden(self) -> bool:
        return self.before is None and self.after is None


@dataclass(frozen=True)
class Change:
    at: datetime
    who: str
    fields: list[FieldChange]


# Links set this soon after the creation, by the creator, are part of the creation.
CREATION_LINKS = timedelta(seconds=5)


def record_changes(records: Iterable[AuditedModel]) -> dict[tuple[str, int], list[Change]]:
    """The changes (not the creation) of each record, oldest first, keyed by (model label,
    pk); a record never changed has no key. A fixed number of queries however many."""
    by_label: dict[str, dict[str, AuditedModel]] = defaultdict(dict)
    for record in records:
        by_label[record._meta.label_lower][str(record.pk)] = record
    if not by_label:
        return {}
    query = models.Q()
    for label, found in by_label.items():
        query |= models.Q(object_type=label, object_id__in=list(found))
    events = list(
        AuditEvent.objects.filter(query, action__in=[AuditAction.CREATE, AuditAction.UPDATE])
        .order_by("id")
        .only("occurred_at", "actor_id", "actor_username", "action", "object_type",
              "object_id", "fields", "values")
    )  # fmt: skip
    created = {(e.object_type, e.object_id): e for e in events if e.action == AuditAction.CREATE}
    changed = [
        e
        for e in events
        if e.action == AuditAction.UPDATE
        and not _part_of_creation(e, created.get((e.object_type, e.object_id)), by_label)
    ]
    names = _people({e.actor_id for e in changed if e.actor_id is not None})
    related = related_names([(type(by_label[e.object_type][e.object_id]), e) for e in changed])
    changes: dict[tuple[str, int], list[Change]] = defaultdict(list)
    for event in changed:
        record = by_label[event.object_type][event.object_id]
        fields = field_changes(type(record), event, related)
        who = names.get(event.actor_id, event.actor_username) if event.actor_id else _("system")
        changes[(event.object_type, record.pk)].append(Change(event.occurred_at, who, fields))
    return dict(changes)


def _part_of_creation(
    event: AuditEvent, creation: AuditEvent | None, by_label: dict[str, dict[str, AuditedModel]]
) -> bool:
    """Links (many-to-many fields only) set by the creator just after the creation."""
    if creation is None or event.actor_id != creation.actor_id:
        return False
    model = type(by_label[event.object_type][event.object_id])
    links = {f.name for f in model._meta.many_to_many}
    return set(event.fields) <= links and event.occurred_at - creation.occurred_at < CREATION_LINKS


def related_names(
    events: list[tuple[type[models.Model], AuditEvent]],
) -> dict[tuple[Any, str], str]:
    """The records the changed foreign keys of these (model, event) pairs point to, named,
    one query per model."""
    wanted: dict[Any, set[str]] = defaultdict(set)
    for model, event in events:
        for name in event.fields:
            field = _field(model, name)
            if isinstance(field, models.ForeignKey) and name in event.values:
                wanted[field.related_model].update(v for v in event.values[name] if v)
    names = {}
    for related_model, pks in wanted.items():
        # select_related(): a str() that names a linked record (a visit its institution)
        # costs no query per record.
        records = related_model._default_manager.select_related().in_bulk(list(pks))
        for pk, obj in records.items():
            # A record's own str() never names a person (a coded person is its code).
            names[(related_model, str(pk))] = str(obj)
    return names


def field_changes(
    model: type[models.Model],
    event: AuditEvent,
    related: dict[tuple[Any, str], str],
    names: list[str] | None = None,
) -> list[FieldChange]:
    """The fields an event changed on a record of ``model`` (or those of them in
    ``names``), by their labels."""
    wanted = event.fields if names is None else names
    return [_field_change(model, name, event.values, related) for name in wanted]


def _people(ids: set[int]) -> dict[int, str]:
    from django.contrib.auth import get_user_model

    return {user.pk: str(user) for user in get_user_model().objects.filter(pk__in=ids)}


def _field_change(
    model: type[models.Model],
    name: str,
    values: dict[str, list[str | None]],
    related: dict[tuple[Any, str], str],
) -> FieldChange:
    field = _field(model, name)
    label = capfirst(str(field.verbose_name)) if field is not None else name
    unlogged: frozenset[str] = getattr(model, "_audit_unlogged_values", frozenset)()
    if field is None or name not in values or name in unlogged:
        return FieldChange(label, None, None)
    before, after = values[name]
    return FieldChange(
        label, _shown(model, field, before, related), _shown(model, field, after, related)
    )


def _field(model: type[models.Model], name: str) -> Any:
    """The field whose attname (``person_id``) or name (``interviews``) is ``name``."""
    for field in [*model._meta.concrete_fields, *model._meta.many_to_many]:
        if name in (field.name, getattr(field, "attname", None)):
            return field
    return None


def _shown(
    model: type[models.Model], field: Any, text: str | None, related: dict[tuple[Any, str], str]
) -> str:
    """A value as the trail stored it (``str()`` of the Python value), as people read it."""
    if text is None or text == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(text, text))
    if isinstance(field, models.BooleanField):
        return {"True": _("yes"), "False": _("no")}.get(text, text)
    if isinstance(field, models.ForeignKey):
        return related.get((field.related_model, text), f"#{text}")
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(text)
        return when(moment) if moment is not None else text
    if isinstance(field, models.DateField):
        day = parse_date(text)
        return date_format(day, "SHORT_DATE_FORMAT") if day is not None else text
    if isinstance(field, models.JSONField):
        return _listed(getattr(model, "audit_list_labels", {}).get(field.name, {}), text)
    return text


def _listed(labels: dict[str, Any], text: str) -> str:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    if not isinstance(value, list):
        return text
    return ", ".join(str(labels.get(item, item)) for item in value) or "—"
