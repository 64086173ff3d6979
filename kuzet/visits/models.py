"""Visits to places of deprivation of liberty: the visit, its team and its lifecycle.

The lifecycle (``Visit.Status``) and who may move a visit along it live in
``kuzet.visits.services.lifecycle``; this module only states what is stored.
"""

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel
from kuzet.core.crypto import EncryptedTextField


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


class CodedPerson(AuditedModel):
    """A person met on a visit, known in every record by a code; the identity is encrypted
    and readable only by the visit's team and the secretariat (core.policy.VIEW_IDENTITIES)."""

    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="people", verbose_name=_("visit")
    )
    code = models.CharField(
        _("code"),
        max_length=16,
        validators=[
            RegexValidator(
                r"^[A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі0-9-]{1,16}$",
                _("Letters, digits and hyphens, up to 16."),
            )
        ],
        help_text=_("A pseudonym such as A-07; never a name."),
    )
    full_name = EncryptedTextField(_("full name"), blank=True)
    birth_date = EncryptedTextField(_("date of birth"), blank=True)
    cell = EncryptedTextField(_("cell or room"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["visit", "code"]
        verbose_name = _("coded person")
        verbose_name_plural = _("coded people")
        constraints = [
            models.UniqueConstraint("visit", "code", name="codedperson_code_unique_in_visit")
        ]

    def __str__(self) -> str:
        # Only the code: a person's identity never appears in a string, a log or an error.
        return self.code


class Interview(AuditedModel):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("private, individual")
        GROUP = "group", _("group")
        STAFF = "staff", _("staff")
        MEDICAL = "medical", _("medical personnel")
        ADMINISTRATION = "administration", _("administration")

    class Risk(models.TextChoices):
        UNKNOWN = "unknown", _("not assessed")
        LOW = "low", _("low")
        MEDIUM = "medium", _("medium")
        HIGH = "high", _("high")

    VULNERABILITIES = {
        "minor": _("minor"),
        "woman": _("woman"),
        "foreigner": _("foreign national"),
        "disability": _("person with a disability"),
        "lgbti": _("LGBTI"),
        "illness": _("serious illness"),
        "first_detention": _("first time detained"),
        "language": _("does not speak ru/kk"),
    }

    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="interviews", verbose_name=_("visit")
    )
    kind = models.CharField(
        _("type of interview"), max_length=20, choices=Kind.choices, default=Kind.INDIVIDUAL
    )
    person = models.ForeignKey(
        CodedPerson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interviews",
        verbose_name=_("person"),
    )
    consent_interview = models.BooleanField(_("consents to the interview"), default=False)
    consent_quote = models.BooleanField(_("may be quoted"), default=False)
    consent_identify = models.BooleanField(_("may be identified"), default=False)
    consent_transmit = models.BooleanField(_("an allegation may be transmitted"), default=False)
    vulnerabilities = models.JSONField(_("vulnerability categories"), default=list, blank=True)
    fears_reprisals = models.BooleanField(_("fears reprisals"), null=True, blank=True)
    reprisal_risk = models.CharField(
        _("risk of reprisals"), max_length=10, choices=Risk.choices, default=Risk.UNKNOWN
    )
    follow_up_on = models.DateField(_("follow-up check on"), null=True, blank=True)
    notes = EncryptedTextField(_("interview notes"), blank=True)
    conducted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("interviewer"),
    )
    conducted_at = models.DateTimeField(_("conducted at"))

    class Meta:
        ordering = ["visit", "conducted_at", "pk"]
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person or ''}".strip()

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, Any] = {}
        unknown = [v for v in self.vulnerabilities if v not in self.VULNERABILITIES]
        if unknown:
            errors["vulnerabilities"] = _("Unknown categories: %(codes)s") % {
                "codes": ", ".join(map(str, unknown))
            }
        if self.kind == self.Kind.INDIVIDUAL and self.person_id is None:
            errors["person"] = _("An individual interview is with a coded person.")
        if (
            self.person_id is not None
            and self.person is not None
            and self.person.visit_id != self.visit_id
        ):
            errors["person"] = _("The person was met on another visit.")
        if not self.consent_interview and (
            self.consent_quote or self.consent_identify or self.consent_transmit
        ):
            errors["consent_interview"] = _(
                "Without consent to the interview there is no other consent."
            )
        if self.reprisal_risk in (self.Risk.MEDIUM, self.Risk.HIGH) and self.follow_up_on is None:
            errors["follow_up_on"] = _(
                "A medium or high risk of reprisals needs a follow-up check date."
            )
        if errors:
            raise ValidationError(errors)
