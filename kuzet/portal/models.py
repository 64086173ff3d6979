"""The addressee portal: the officials of an addressee (invited by people.invitations), their answers to
recommendations (position, action plan, evidence) and the NPM's assessment of each answer."""

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel


class Official(AuditedModel):
    """A user of role ``addressee`` bound to one addressee of the registry."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="official",
        verbose_name=_("user"),
    )
    addressee = models.ForeignKey(
        "recommendations.Addressee",
        on_delete=models.PROTECT,
        related_name="officials",
        verbose_name=_("addressee"),
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("addressee official")
        verbose_name_plural = _("addressee officials")

    def __str__(self) -> str:
        return f"{self.user} — {self.addressee}"


class Answer(AuditedModel):
    """What an addressee said about one recommendation: its position (the first answer) or a
    progress report, with reasons, an action plan and evidence files."""

    class Position(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        PARTLY = "partly", _("partly accepted")
        NOT_ACCEPTED = "not_accepted", _("not accepted")
        PROGRESS = "progress", _("progress report")

    recommendation = models.ForeignKey(
        "recommendations.Recommendation",
        on_delete=models.PROTECT,
        related_name="answers",
        verbose_name=_("recommendation"),
    )
    position = models.CharField(_("answer"), max_length=20, choices=Position.choices)
    text = models.TextField(_("reasons and what was done"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("answered at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("answer of an addressee")
        verbose_name_plural = _("answers of addressees")
        indexes = [models.Index(fields=["recommendation", "created_at"])]

    def __str__(self) -> str:
        return f"{self.recommendation_id}: {self.position}"


class PlanStep(AuditedModel):
    """One measure of an answer's action plan, with its date."""

    answer = models.ForeignKey(
        Answer, on_delete=models.PROTECT, related_name="plan", verbose_name=_("answer")
    )
    action = models.CharField(_("measure"), max_length=500)
    due = models.DateField(_("by"))

    class Meta:
        ordering = ["due", "pk"]
        verbose_name = _("action plan step")
        verbose_name_plural = _("action plan steps")

    def __str__(self) -> str:
        return f"{self.due}: {self.action[:60]}"


def evidence_path(item: "EvidenceFile", filename: str) -> str:
    """Stored under the recommendation and the item's identifier, as visit evidence is."""
    return f"evidence/answers/{item.answer.recommendation_id}/{item.uuid}"


class EvidenceFile(AuditedModel):
    """A document an addressee attached to an answer. Immutable; its SHA-256 is computed as
    it is stored and the content decides its type, never its name."""

    audit_sensitive_fields: ClassVar[frozenset[str]] = frozenset({"original_name"})

    uuid = models.UUIDField(_("identifier"), unique=True, default=uuid.uuid4, editable=False)
    answer = models.ForeignKey(
        Answer, on_delete=models.PROTECT, related_name="files", verbose_name=_("answer")
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.BigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("evidence file of an answer")
        verbose_name_plural = _("evidence files of answers")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]})"


class Assessment(AuditedModel):
    """The NPM's assessment of one answer on the graded scale of the methodology
    (implemented / partly / not / no longer relevant, and the A–E rating of the answer), or
    a request for more."""

    class Grade(models.TextChoices):
        IMPLEMENTED = "implemented", _("implemented")
        PARTLY = "partly", _("partly implemented")
        NOT_IMPLEMENTED = "not_implemented", _("not implemented")
        NO_LONGER_RELEVANT = "no_longer_relevant", _("no longer relevant")
        MORE = "more", _("more information requested")

    class Rating(models.TextChoices):
        A = "A", _("A — largely satisfactory")
        B = "B", _("B — partially satisfactory")
        C = "C", _("C — not satisfactory")
        D = "D", _("D — no cooperation")
        E = "E", _("E — contrary action")

    answer = models.ForeignKey(
        Answer, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("answer")
    )
    grade = models.CharField(_("assessment"), max_length=20, choices=Grade.choices)
    rating = models.CharField(_("rating"), max_length=1, choices=Rating.choices, blank=True)
    comment = models.TextField(_("comment to the addressee"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed at"), auto_now_add=True)

    class Meta:
        ordering = ["assessed_at", "pk"]
        verbose_name = _("assessment of an answer")
        verbose_name_plural = _("assessments of answers")

    def __str__(self) -> str:
        return f"{self.answer_id}: {self.grade}"
