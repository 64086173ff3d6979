"""What the team found (findings, by theme) and the allegations people made."""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kuzet.core.audit import AuditedModel
from kuzet.core.crypto import EncryptedTextField
from kuzet.quality.judging import Reason, blocking, judge_text, warnings
from kuzet.quality.texts import min_words, word_count
from kuzet.visits.models.interviews import CodedPerson, Interview
from kuzet.visits.models.responses import ComplianceMark
from kuzet.visits.models.visit import Visit

THEMES = {
    "treatment": _("treatment"),
    "safeguards": _("protection measures and safeguards"),
    "material_conditions": _("material conditions"),
    "regime": _("regime and activities"),
    "health_care": _("health care"),
    "personnel": _("personnel"),
    "access": _("access of the NPM (obstacles)"),
    "other": _("other"),
}


class Finding(AuditedModel):
    """What the team found: a problem (with its severity) or a good practice, resting on sources."""

    class Severity(models.TextChoices):
        # In the context of "severity" (feminine in Russian: «средняя», «высокая»).
        LOW = "low", pgettext_lazy("severity", "low")
        MEDIUM = "medium", pgettext_lazy("severity", "medium")
        HIGH = "high", pgettext_lazy("severity", "high")
        CRITICAL = "critical", pgettext_lazy("severity", "critical")

    class Obstacle(models.TextChoices):
        ACCESS_DENIED = "access_denied", _("access denied")
        ACCESS_DELAYED = "access_delayed", _("access delayed")
        DOCUMENTS_REFUSED = "documents_refused", _("documents refused")
        INTERVIEWS_PREVENTED = "interviews_prevented", _("private interviews prevented")

    SOURCES = {
        "observation": _("direct observation"),
        "detainees": _("detainees"),
        "staff": _("staff or administration"),
        "documents": _("documents and registers"),
        "outside": _("outside sources"),
    }

    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="findings", verbose_name=_("visit")
    )
    theme = models.CharField(_("theme"), max_length=30, choices=list(THEMES.items()))
    # Russian and Kazakh side by side (issue 16): either may be written first, one is needed.
    title = models.CharField(_("title (Russian)"), max_length=300, blank=True)
    title_kk = models.CharField(_("title (Kazakh)"), max_length=300, blank=True)
    description = models.TextField(_("description (Russian)"), blank=True)
    description_kk = models.TextField(_("description (Kazakh)"), blank=True)
    sources = models.JSONField(_("sources"), default=list)
    good_practice = models.BooleanField(_("good practice"), default=False)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    obstacle = models.CharField(
        _("obstacle to access"), max_length=30, choices=Obstacle.choices, blank=True
    )
    interviews = models.ManyToManyField(
        Interview, blank=True, related_name="findings", verbose_name=_("interviews")
    )
    # The checklist items (answers) the finding rests on; a non-compliant item needs one.
    items: "models.ManyToManyField[ComplianceMark, Any]" = models.ManyToManyField(
        "ComplianceMark", blank=True, related_name="findings", verbose_name=_("checklist items")
    )
    # A problem is followed by a recommendation, or this says why not (visits.services.lifecycle).
    no_recommendation_reason = models.TextField(_("why no recommendation"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    audit_list_labels: ClassVar[dict[str, dict[str, Any]]] = {"sources": SOURCES}

    class Meta:
        ordering = ["visit", "theme", "pk"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return self.title or self.title_kk

    @property
    def quality_source(self) -> str:
        """Where copy detection (kuzet/quality/copies.py) says this description lives."""
        return f"visits.finding:{self.pk}"

    @property
    def source_labels(self) -> list[str]:
        return [str(self.SOURCES.get(s, s)) for s in self.sources]

    def text_reasons(self) -> list[Reason]:
        """Why the description reads as a standard answer (kuzet/quality), copies of other
        institutions' findings included."""
        # The Russian text as before; the Kazakh one when it is the only one written.
        text, lang = (self.description, "ru") if self.description.strip() else (
            self.description_kk, "kk",
        )  # fmt: skip
        return judge_text(
            "finding",
            text,
            lang=lang,
            institution_id=self.visit.institution_id if self.visit_id else None,
            exclude_sources=[self.quality_source] if self.pk else [],
        )

    def text_warnings(self) -> list[Reason]:
        """The reasons that do not stop saving: shown to the author as warnings."""
        return warnings(self.text_reasons())

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, Any] = {}
        if not self.title.strip() and not self.title_kk.strip():
            errors["title"] = [_("Give the title in Russian or in Kazakh.")]
        # Either language may be written first: the rules apply to the one written.
        if word_count(self.description or self.description_kk) < MIN_DESCRIPTION_WORDS:
            errors["description"] = [
                _("Describe what was found in at least %(n)s words: facts, where, how many.")
                % {"n": MIN_DESCRIPTION_WORDS}
            ]
        blocked = [r.message for r in blocking(self.text_reasons())]
        if blocked:
            errors.setdefault("description", []).extend(blocked)
        if not self.sources or any(s not in self.SOURCES for s in self.sources):
            errors["sources"] = _("Name at least one source, from the list.")
        if self.good_practice and self.severity:
            errors["severity"] = _("A good practice has no severity.")
        if not self.good_practice and not self.severity:
            errors["severity"] = _("Give the severity of the problem.")
        if self.obstacle and self.theme != "access":
            errors["obstacle"] = _("An obstacle to access is a finding of the theme “access”.")
        if errors:
            raise ValidationError(errors)


# "Standard answers" made the predecessor's reports useless: a finding says what was seen.
# The number is in the quality rules (kuzet/quality/rules/rules.toml), shared with the tablet.
MIN_DESCRIPTION_WORDS = min_words("finding")


class Allegation(AuditedModel):
    """An allegation of torture or ill-treatment, or of reprisals, as the person told it."""

    class Kind(models.TextChoices):
        ILL_TREATMENT = "ill_treatment", _("torture or ill-treatment")
        REPRISAL = "reprisal", _("reprisal")

    class Perpetrator(models.TextChoices):
        POLICE = "police", _("police officers")
        PENAL = "penal", _("penal system staff")
        SECURITY = "security", _("security service officers")
        MILITARY = "military", _("military personnel")
        MEDICAL = "medical", _("medical staff")
        CARE = "care", _("care staff")
        DETAINEES = "detainees", _("other detainees or residents")
        UNKNOWN = "unknown", _("unknown")

    class Referral(models.TextChoices):
        NONE = "none", _("not referred")
        PROSECUTOR = "prosecutor", _("prosecutor")
        COMMISSIONER = "commissioner", _("the Commissioner's complaints procedure")
        OTHER = "other", _("other body")

    class Extent(models.TextChoices):
        UNKNOWN = "unknown", _("not known yet")
        ISOLATED = "isolated", _("isolated case")
        PATTERN = "pattern", _("part of a pattern")

    METHODS = {
        "beating": _("beating"),
        "threats": _("threats"),
        "suffocation": _("suffocation"),
        "electric": _("electric shocks"),
        "stress_positions": _("stress positions"),
        "sexual": _("sexual violence"),
        "humiliation": _("humiliation"),
        "deprivation": _("deprivation of food, water, sleep or care"),
        "isolation": _("isolation"),
        "other": _("other"),
    }

    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="allegations", verbose_name=_("visit")
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.ILL_TREATMENT
    )
    person = models.ForeignKey(
        CodedPerson,
        on_delete=models.PROTECT,
        related_name="allegations",
        verbose_name=_("person (code)"),
    )
    occurred_on = models.DateField(_("date"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    circumstances = EncryptedTextField(_("circumstances"))
    perpetrator = models.CharField(
        _("alleged perpetrators"), max_length=20, choices=Perpetrator.choices
    )
    methods = models.JSONField(_("methods"), default=list)
    injuries_observed = EncryptedTextField(_("injuries observed"), blank=True)
    medical_documentation = models.BooleanField(
        _("medical documentation exists"), null=True, blank=True
    )
    witnesses = EncryptedTextField(_("witnesses"), blank=True)
    consent_transmit = models.BooleanField(_("consent to transmit"), default=False)
    referral = models.CharField(
        _("referral"), max_length=20, choices=Referral.choices, default=Referral.NONE
    )
    referral_outcome = models.TextField(_("outcome of the referral"), blank=True)
    extent = models.CharField(
        _("isolated or pattern"), max_length=10, choices=Extent.choices, default=Extent.UNKNOWN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    audit_list_labels: ClassVar[dict[str, dict[str, Any]]] = {"methods": METHODS}

    class Meta:
        ordering = ["visit", "pk"]
        verbose_name = _("allegation")
        verbose_name_plural = _("allegations")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.person}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, Any] = {}
        if not self.methods or any(m not in self.METHODS for m in self.methods):
            errors["methods"] = _("Name at least one method, from the list.")
        if self.person_id is not None and self.person.visit_id != self.visit_id:
            errors["person"] = _("The person was met on another visit.")
        if self.referral != self.Referral.NONE and not self.consent_transmit:
            # "Do no harm": nothing is passed on without the person's consent.
            errors["referral"] = _(
                "Without the person's consent the allegation is not transmitted."
            )
        if (
            self.consent_transmit
            and self.person_id is not None
            and not self.person.interviews.filter(consent_transmit=True).exists()
        ):
            errors["consent_transmit"] = _(
                "No interview with this person records consent to transmit an allegation."
            )
        if errors:
            raise ValidationError(errors)
