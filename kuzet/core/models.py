"""The audit trail: an append-only, hash-chained log of changes and sign-ins.

Each event stores who, when, which object and which fields changed (values only for
fields that are not sensitive) and an HMAC-SHA256 (keyed by ``settings.AUDIT_KEY``, kept
outside the database) of its own content together with the hash of the event before it. ``AuditHead`` holds the number and hash of the newest event, so
that removing the newest events shows unless the head is moved back too; anchors of the
head kept outside the database (``kuzet.core.audit.audit_anchor``) catch that.
``manage.py verify_audit`` walks the chain. Database triggers refuse UPDATE and DELETE on
the events table (migration 0002) and, on SQLite, an insert replacing an event (0004).
"""

import hashlib
import hmac
import json
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("updated")
    DELETE = "delete", _("deleted")
    LOGIN = "login", _("signed in")
    LOGIN_FAILED = "login_failed", _("failed sign-in")
    LOGOUT = "logout", _("signed out")
    ACCESS_DENIED = "access_denied", _("access denied")


class AppendOnlyError(Exception):
    """An attempt to change or delete an audit event."""


class AuditEvent(models.Model):
    # Assigned by ``kuzet.core.audit.audit_append`` (head + 1), so numbers have no gaps.
    id = models.BigIntegerField(primary_key=True)
    occurred_at = models.DateTimeField(_("time"))
    # Plain values, not a foreign key: deleting or renaming a user must not rewrite history.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    fields = models.JSONField(_("changed fields"), default=list, blank=True)
    values = models.JSONField(_("changed values"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    HASHED_FIELDS: ClassVar[tuple[str, ...]] = (
        "id",
        "occurred_at",
        "actor_id",
        "actor_username",
        "action",
        "object_type",
        "object_id",
        "fields",
        "values",
        "prev_hash",
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The audit page's filters by person and by period, newest first.
            models.Index(fields=["actor_id", "-id"], name="core_audit_actor_idx"),
            models.Index(fields=["occurred_at"], name="core_audit_occurred_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")

    def compute_hash(self) -> str:
        """HMAC-SHA256 of the event's content under the audit key (``KUZET_AUDIT_KEY``).

        Keyed, so that someone who can write to the database but does not hold the key
        cannot forge an event or recompute the chain after changing one.
        """
        content: dict[str, Any] = {name: getattr(self, name) for name in self.HASHED_FIELDS}
        content["occurred_at"] = self.occurred_at.isoformat(timespec="microseconds")
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hmac.new(settings.AUDIT_KEY, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


class AuditHead(models.Model):
    """The single row naming the newest audit event (id 1, created by migration)."""

    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audithead_single_row")
        ]

    def __str__(self) -> str:
        return f"audit head #{self.last_id}"


class WorkerHeartbeat(models.Model):
    """A background worker's sign of life (``kuzet.core.worker``): each ``db_worker``
    process writes its row every few seconds and removes it when it stops cleanly.
    Operational state, not a record: not audited."""

    worker_id = models.CharField(_("worker"), max_length=64, unique=True)
    hostname = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process"))
    started_at = models.DateTimeField(_("started"))
    seen_at = models.DateTimeField(_("last seen"), db_index=True)
    # The task it is running now (a django-tasks result id), and since when.
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    task_started_at = models.DateTimeField(_("task started"), null=True, blank=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"
