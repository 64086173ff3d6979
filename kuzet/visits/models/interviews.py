"""The people met on a visit (by code; identities encrypted) and the interviews."""

from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel
from kuzet.core.crypto import EncryptedTextField
from kuzet.visits.models.visit import Visit


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
    # An interview falls within the visit's stay (time in to time out), or this says why not.
    time_note = models.TextField(_("why the time is outside the visit"), blank=True)

    # How the audit trail's changes name the items of list fields (core.changes).
    audit_list_labels: ClassVar[dict[str, dict[str, Any]]] = {"vulnerabilities": VULNERABILITIES}

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
        if not self.consent_interview:
            # Nothing the person said is kept without their consent to the interview.
            if self.notes.strip():
                errors["notes"] = _(
                    "Without consent to the interview no notes of it are kept; "
                    "record what was observed as a finding instead."
                )
            if self.fears_reprisals is not None:
                errors["fears_reprisals"] = _(
                    "Without consent to the interview the person's answers are not kept."
                )
        if self.reprisal_risk in (self.Risk.MEDIUM, self.Risk.HIGH) and self.follow_up_on is None:
            errors["follow_up_on"] = _(
                "A medium or high risk of reprisals needs a follow-up check date."
            )
        if errors:
            raise ValidationError(errors)
