"""Review of a visit's record: comments by section, and amendments once approved."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel
from kuzet.visits.models.visit import Visit


class Section(models.TextChoices):
    """The parts of a visit's record, as the workspace shows them and reviewers comment on them."""

    GENERAL = "general", _("the visit")
    PREPARATION = "preparation", _("preparation")
    RESPONSES = "responses", _("checklists and questionnaires")
    INTERVIEWS = "interviews", _("interviews")
    FINDINGS = "findings", _("findings")
    ALLEGATIONS = "allegations", _("allegations")
    MEDIA = "media", _("media")
    RECOMMENDATIONS = "recommendations", _("recommendations")


class ReviewComment(AuditedModel):
    """A reviewer's remark on one section of a visit's record; the team marks it resolved."""

    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="review_comments", verbose_name=_("visit")
    )
    section = models.CharField(_("section"), max_length=20, choices=Section.choices)
    # The record of the section the comment is about (an interview, a finding, an allegation,
    # a recommendation: which one the section says), if it is about one.
    record_id = models.PositiveBigIntegerField(_("record"), null=True, blank=True)
    text = models.TextField(_("comment"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["visit", "created_at", "pk"]
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")

    def __str__(self) -> str:
        return f"{self.visit_id} / {self.section}"


class Amendment(AuditedModel):
    """A change to an approved visit record: what changes, in which section and why.

    An approved record is locked; it is never edited in place, so that what was approved
    (and perhaps sent to the authorities) stays readable, followed by its amendments.
    """

    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("visit")
    )
    section = models.CharField(_("section"), max_length=20, choices=Section.choices)
    text = models.TextField(_("the amendment"))
    reason = models.TextField(_("reason"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("made"), auto_now_add=True)

    class Meta:
        ordering = ["visit", "created_at", "pk"]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")

    def __str__(self) -> str:
        return f"{self.visit_id} / {self.section} / {self.created_at:%Y-%m-%d}"
