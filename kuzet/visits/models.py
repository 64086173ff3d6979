"""Visits to places of deprivation of liberty: the visit, its team and its lifecycle.

The lifecycle (``Visit.Status``) and who may move a visit along it live in
``kuzet.visits.services.lifecycle``; this module only states what is stored.
"""

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel
from kuzet.core.crypto import EncryptedJSONField, EncryptedTextField


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


class Response(AuditedModel):
    """The answers to one instrument version on a visit: the checklist of the place, or the
    questionnaire of one interview. Saved as drafts while they are typed; checked in full
    (``kuzet.instruments.responses.validate_response``) when the visit goes to review.

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

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="marks")
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
        indexes = [models.Index(fields=["question", "value"])]

    def __str__(self) -> str:
        return f"{self.path}: {self.value}"


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
        LOW = "low", _("low")
        MEDIUM = "medium", _("medium")
        HIGH = "high", _("high")
        CRITICAL = "critical", _("critical")

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
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"))
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

    class Meta:
        ordering = ["visit", "theme", "pk"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return self.title

    @property
    def source_labels(self) -> list[str]:
        return [str(self.SOURCES.get(s, s)) for s in self.sources]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, Any] = {}
        if len(self.description.split()) < MIN_DESCRIPTION_WORDS:
            errors["description"] = _(
                "Describe what was found in at least %(n)s words: facts, where, how many."
            ) % {"n": MIN_DESCRIPTION_WORDS}
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
MIN_DESCRIPTION_WORDS = 8


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


def media_path(item: "MediaEvidence", filename: str) -> str:
    """Stored under the visit and the item's identifier; the uploaded name is kept only as data."""
    return f"evidence/{item.visit_id}/{item.uuid}"


class MediaEvidence(AuditedModel):
    """A photo, recording or document taken as evidence on a visit. Immutable: a replacement
    is a new item. The SHA-256 is computed as the bytes arrive and checked against the
    device's when one is given; every access is a ``CustodyEvent``."""

    # A file name, a description or a device name may name a person: not in the trail.
    audit_sensitive_fields: ClassVar[frozenset[str]] = frozenset(
        {"original_name", "description", "device", "appeal_consent"}
    )

    class Kind(models.TextChoices):
        PHOTO = "photo", _("photo")
        AUDIO = "audio", _("audio recording")
        VIDEO = "video", _("video recording")
        DOCUMENT = "document", _("document")

    uuid = models.UUIDField(_("identifier"), unique=True, default=uuid.uuid4, editable=False)
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="media", verbose_name=_("visit")
    )
    finding = models.ForeignKey(
        Finding,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="media",
        verbose_name=_("finding"),
    )
    interview = models.ForeignKey(
        Interview,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="media",
        verbose_name=_("interview"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=media_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.BigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    description = models.TextField(_("description"), blank=True)
    captured_at = models.DateTimeField(_("captured"), null=True, blank=True)
    device = models.CharField(_("device"), max_length=200, blank=True)
    # A video appeal: the person's consent, given before the recording started:
    # {"recorded": true, "shown_to": [...]} (to whom it may be shown). Empty otherwise.
    appeal_consent = models.JSONField(_("appeal consent"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["visit", "uploaded_at", "pk"]
        verbose_name = _("media evidence")
        verbose_name_plural = _("media evidence")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.uuid}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableEvidenceError(_("Media evidence is never changed; add a new item."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableEvidenceError(_("Media evidence is never deleted."))


class ImmutableEvidenceError(Exception):
    """An attempt to change or delete media evidence."""


class CustodyEvent(AuditedModel):
    """One link of an item's chain of custody: who did what with it, when.

    Each event is also an entry of the audit trail's HMAC chain, so the custody record is
    as tamper-evident as the trail itself.
    """

    class Kind(models.TextChoices):
        CAPTURED = "captured", _("captured")
        UPLOADED = "uploaded", _("uploaded")
        HASH_VERIFIED = "hash_verified", _("hash verified")
        VIEWED = "viewed", _("viewed")
        DOWNLOADED = "downloaded", _("downloaded")
        EXPORTED = "exported", _("exported")

    media = models.ForeignKey(
        MediaEvidence, on_delete=models.PROTECT, related_name="custody", verbose_name=_("item")
    )
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    at = models.DateTimeField(_("time"))
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["media", "at", "pk"]
        verbose_name = _("custody event")
        verbose_name_plural = _("custody events")

    def __str__(self) -> str:
        return f"{self.media_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class VisitChange(models.Model):
    """A visit whose counted records (its stage, interviews, allegations, answers,
    recommendations) changed since the figures derived from them last caught up.

    Written by the services in the transaction of their write (``mark``: one statement, and
    one row per visit however many writes); read and deleted by whoever derives figures
    (``kuzet.dashboard.facts.facts_catch_up``), which deletes a mark only if its ``token`` is
    still the one it read, so that a write made while it was catching up stays marked.
    """

    # Not a foreign key: the mark of a deleted visit must outlive it, so that its figures go.
    visit_id = models.BigIntegerField(primary_key=True)
    token = models.UUIDField(default=uuid.uuid4)

    def __str__(self) -> str:
        return f"visit {self.visit_id} changed ({self.token})"

    @staticmethod
    def mark(visit_id: int) -> None:
        VisitChange.objects.bulk_create(
            [VisitChange(visit_id=visit_id)],
            update_conflicts=True,
            unique_fields=["visit_id"],
            update_fields=["token"],
        )
