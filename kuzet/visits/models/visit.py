"""The visit, its team and its history of steps.

The lifecycle (``Visit.Status``) and who may move a visit along it live in
``kuzet.visits.services.lifecycle``; these modules only state what is stored.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel


class Visit(AuditedModel):
    class Kind(models.TextChoices):
        REGULAR = "regular", _("regular (planned)")
        SPECIAL = "special", _("special (reactive)")
        FOLLOW_UP = "follow_up", _("follow-up")
        THEMATIC = "thematic", _("thematic")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        PREPARATION = "preparation", _("in preparation")
        IN_PROGRESS = "in_progress", _("in progress")
        DEBRIEFED = "debriefed", _("debriefed")
        DRAFTING = "drafting", _("report drafting")
        UNDER_REVIEW = "under_review", _("under review")
        RETURNED = "returned", _("returned for changes")
        APPROVED = "approved", _("approved")
        SENT = "sent", _("sent to addressees")
        CLOSED = "closed", _("closed")

    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("institution"),
    )
    # The institution's region when the visit was planned: visits are scoped by it.
    region = models.ForeignKey(
        "registry.Region", on_delete=models.PROTECT, related_name="visits", verbose_name=_("region")
    )
    kind = models.CharField(
        _("type of visit"), max_length=20, choices=Kind.choices, default=Kind.REGULAR
    )
    announced = models.BooleanField(_("announced"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    planned_date = models.DateField(_("planned date"))
    started_at = models.DateTimeField(_("time in"), null=True, blank=True)
    ended_at = models.DateTimeField(_("time out"), null=True, blank=True)
    objectives = models.TextField(_("objectives"), blank=True)
    theme = models.CharField(_("theme"), max_length=300, blank=True)
    # The secretariat may form a team from outside the region's group.
    team_outside_region_allowed = models.BooleanField(
        _("team from outside the region allowed"), default=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-planned_date", "-pk"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [models.Index(fields=["region", "status"]), models.Index(fields=["planned_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(started_at__isnull=True)
                | Q(ended_at__isnull=True)
                | Q(ended_at__gt=models.F("started_at")),
                name="visit_ends_after_it_starts",
                violation_error_message=_("The time out must be after the time in."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} — {self.planned_date:%d.%m.%Y}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, Any] = {}
        if self.started_at and self.ended_at and self.ended_at <= self.started_at:
            errors["ended_at"] = _("The time out must be after the time in.")
        if self.kind == self.Kind.THEMATIC and not self.theme.strip():
            errors["theme"] = _("A thematic visit needs its theme.")
        if errors:
            raise ValidationError(errors)


class TeamMember(AuditedModel):
    class Role(models.TextChoices):
        LEADER = "leader", _("team leader")
        MEMBER = "member", _("member")
        EXPERT = "expert", _("expert (e.g. medical)")
        INTERPRETER = "interpreter", _("interpreter")

    # PROTECT: members leave a team through the service, one by one, audited.
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="team", verbose_name=_("visit")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="visit_roles",
        verbose_name=_("person"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        ordering = ["visit", "role", "pk"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint("visit", "user", name="teammember_once_per_visit"),
            models.UniqueConstraint(
                "visit",
                condition=Q(role="leader"),
                name="teammember_one_leader",
                violation_error_message=_("A visit has one leader."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class StatusChange(AuditedModel):
    """One step of a visit along its lifecycle, with who took it and why."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="history")
    from_status = models.CharField(max_length=20, choices=Visit.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Visit.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.from_status} → {self.to_status}"
