"""Checklists and questionnaires filled on a visit, and their compliance marks."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel
from kuzet.core.crypto import EncryptedJSONField
from kuzet.visits.models.interviews import Interview
from kuzet.visits.models.visit import Visit


class Response(AuditedModel):
    """The answers to one instrument version on a visit: the checklist of the place, or the
    questionnaire of one interview. Saved as drafts while they are typed; checked in full
    (``kuzet.instruments.validation.validate_response``) when the visit goes to review.

    The answers are encrypted at rest (interview answers are what people told the team);
    what the indicators need from checklists is copied to ``ComplianceMark`` rows.
    """

    uuid = models.UUIDField(_("identifier"), unique=True, default=uuid.uuid4, editable=False)
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="responses", verbose_name=_("visit")
    )
    version = models.ForeignKey(
        "instruments.InstrumentVersion",
        on_delete=models.PROTECT,
        related_name="responses",
        verbose_name=_("instrument version"),
    )
    interview = models.ForeignKey(
        Interview,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responses",
        verbose_name=_("interview"),
    )
    answers = EncryptedJSONField(_("answers"), default=dict)
    # Raised by every save; a save based on an older revision is refused, so two people
    # editing the same checklist never silently overwrite each other's answers.
    revision = models.PositiveIntegerField(_("revision"), default=0)
    # Kept with every save so that lists need not decrypt and validate every response.
    answered_count = models.PositiveIntegerField(_("answered"), default=0)
    problem_count = models.PositiveIntegerField(_("problems"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("saved"), auto_now=True)

    class Meta:
        ordering = ["visit", "created_at", "pk"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self) -> str:
        return f"{self.version.instrument.title} ({self.uuid})"


class ComplianceMark(models.Model):
    """One answered compliance question of a response: the item, its section and the answer.

    Derived from ``Response.answers`` on every save (so not audited itself) and holding no
    personal data: dashboards count non-compliant items and findings link to them.
    """

    # No index of its own: the unique constraint (response, path) starts with it and serves
    # every lookup by response; one index less to maintain for the hundreds of rows a
    # checklist record inserts.
    # No foreign-key constraint in the database either: the marks are inserted by the
    # service that has just inserted their response, in the same transaction
    # (``_insert_marks``), and Django's CASCADE removes them with it; checking each of a
    # checklist's ~200 rows against the response's key cost more database CPU than the
    # rows themselves (≈ 1.5 ms a record, bench/sync_profile.py).
    response = models.ForeignKey(
        Response,
        on_delete=models.CASCADE,
        related_name="marks",
        db_index=False,
        db_constraint=False,
    )
    # ``name`` or ``repeat[2].name``, as in validation errors.
    path = models.CharField(max_length=200)
    question = models.CharField(max_length=64)
    section = models.CharField(max_length=64)
    value = models.CharField(max_length=64)

    class Meta:
        ordering = ["response", "pk"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [models.UniqueConstraint("response", "path", name="compliancemark_unique")]
        # Every reader that looks marks up by question wants the non-compliant ones (the
        # dashboard's "item non-compliant" filter, the annual report's items): a partial
        # index holds only those rows, so the other answers of a checklist record cost no
        # index entry when they are stored (bench/sync_throughput.py).
        indexes = [
            models.Index(
                fields=["question"],
                condition=models.Q(value="non_compliant"),
                name="compliancemark_noncompliant",
            )
        ]

    def __str__(self) -> str:
        return f"{self.path}: {self.value}"
