"""Video appeals to the Commissioner: the register the secretariat keeps of them.

A video appeal is a recording (``MediaEvidence`` with ``appeal_consent``) in which a person
met on a visit appeals to the Commissioner for Human Rights. It is registered as it arrives
(``visits.services.appeals``); the secretariat records to whom it was forwarded, when, and
what came of it. The person's consent says to whom the recording may be shown; every view,
download, export and report asks ``core.access.appeal_refusal``.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel
from kuzet.core.crypto import EncryptedTextField
from kuzet.visits.models.interviews import CodedPerson
from kuzet.visits.models.media import MediaEvidence
from kuzet.visits.models.visit import Visit

# To whom a person may allow their appeal to be shown (the field app's choices). The codes
# are what ``MediaEvidence.appeal_consent["shown_to"]`` holds.
AUDIENCES = {
    "npm": _("the NPM (the visiting team and the secretariat)"),
    "commissioner": _("the Commissioner for Human Rights"),
    "prosecutor": _("the prosecutor"),
    "public": _("the public (reports)"),
}
# The bodies an appeal is forwarded to, each only if the person allowed it.
RECIPIENTS = ("commissioner", "prosecutor")


class Appeal(AuditedModel):
    """One video appeal in the secretariat's register."""

    # What came of an appeal may describe the person's situation: not in the trail.
    audit_sensitive_fields: ClassVar[frozenset[str]] = frozenset({"outcome"})

    class Status(models.TextChoices):
        REGISTERED = "registered", _("registered")
        FORWARDED = "forwarded", _("forwarded")
        CLOSED = "closed", _("outcome recorded")

    media = models.OneToOneField(
        MediaEvidence, on_delete=models.PROTECT, related_name="appeal", verbose_name=_("recording")
    )
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("visit")
    )
    person = models.ForeignKey(
        CodedPerson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("person (code)"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    forwarded_to = models.CharField(
        _("forwarded to"),
        max_length=20,
        choices=[(code, AUDIENCES[code]) for code in RECIPIENTS],
        blank=True,
    )
    forwarded_on = models.DateField(_("forwarded on"), null=True, blank=True)
    reference = models.CharField(_("outgoing letter number"), max_length=100, blank=True)
    outcome = EncryptedTextField(_("outcome"), blank=True)
    outcome_on = models.DateField(_("outcome received on"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered"), auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("handled by"),
    )

    class Meta:
        ordering = ["-registered_at", "-pk"]
        verbose_name = _("video appeal")
        verbose_name_plural = _("video appeals")
        indexes = [models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(forwarded_to="") | models.Q(forwarded_on__isnull=False),
                name="appeal_forwarded_has_date",
            )
        ]

    def __str__(self) -> str:
        # The code only: never a name.
        return f"{self._meta.verbose_name} {self.pk} ({self.person or '—'})"

    @property
    def shown_to(self) -> list[str]:
        """To whom the person allowed the recording to be shown (codes of ``AUDIENCES``)."""
        consent = self.media.appeal_consent or {}
        shown = consent.get("shown_to", []) if isinstance(consent, dict) else []
        return [code for code in shown if code in AUDIENCES]

    @property
    def shown_to_labels(self) -> list[str]:
        return [str(AUDIENCES[code]) for code in self.shown_to]
