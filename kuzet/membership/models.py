"""Open selection of NPM participants: calls, applications, the Council's scoring and
decisions, participants' terms and the mandates institutions verify."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel


class Ground(models.TextChoices):
    """Who may not be a participant (2026 amendments; /shared/reference/kazakhstan.md)."""

    JUDGE = "judge", _("I am a judge")
    ADVOCATE = "advocate", _("I am an advocate (lawyer)")
    CIVIL_SERVANT = "civil_servant", _("I am a civil servant")
    MILITARY = "military", _("I serve in the military, a law-enforcement or special body")
    REGISTER = "register", _("I am on a psychiatric or narcology register")
    DISMISSED = "dismissed", _("I was dismissed from service for negative reasons")
    NON_CITIZEN = "non_citizen", _("I am not a citizen of the Republic of Kazakhstan")
    CONVICTION = "conviction", _("I have a conviction that is not expunged or lifted")


class Answer(models.TextChoices):
    NO = "no", _("Does not apply to me")
    YES = "yes", _("Applies to me")
    UNSURE = "unsure", _("Not sure (explain below)")


class Call(AuditedModel):
    """A call for applications: regions, places, deadline, text and weighted criteria."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")
        DECIDED = "decided", _("decided")

    title_ru = models.CharField(_("title (Russian)"), max_length=200)
    title_kk = models.CharField(_("title (Kazakh)"), max_length=200)
    text_ru = models.TextField(_("text of the call (Russian)"))
    text_kk = models.TextField(_("text of the call (Kazakh)"))
    regions = models.ManyToManyField(
        "registry.Region", related_name="calls", verbose_name=_("regions")
    )
    places = models.PositiveSmallIntegerField(_("places"))
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    outcome_published_at = models.DateTimeField(_("outcome published"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-deadline"]
        verbose_name = _("call for applications")
        verbose_name_plural = _("calls for applications")
        constraints = [
            models.CheckConstraint(condition=models.Q(places__gte=1), name="call_places")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.title_kk if get_language() == "kk" else self.title_ru

    @property
    def text(self) -> str:
        return self.text_kk if get_language() == "kk" else self.text_ru


class Criterion(AuditedModel):
    """A published selection criterion; each Council member scores it 0..MAX_SCORE."""

    MAX_SCORE = 10

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    name_ru = models.CharField(_("criterion (Russian)"), max_length=200)
    name_kk = models.CharField(_("criterion (Kazakh)"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("weight"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gte=1), name="criterion_weight")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_kk if get_language() == "kk" else self.name_ru


PERSONAL_FIELDS = frozenset(
    {
        "full_name",
        "email",
        "phone",
        "birth_date",
        "education",
        "experience",
        "motivation",
        "declaration_notes",
        "conflicts",
    }
)


class Application(AuditedModel):
    """One person's application to a call. Personal data never enter the audit trail
    (only that they changed) and are anonymised after the retention period."""

    audit_sensitive_fields: ClassVar[frozenset[str]] = PERSONAL_FIELDS | {"email_key"}

    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        ELIGIBLE = "eligible", _("eligible")
        INELIGIBLE = "ineligible", _("not eligible")
        SELECTED = "selected", _("selected")
        NOT_SELECTED = "not_selected", _("not selected")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    # The public reference (also the key of the private link's signature).
    reference = models.CharField(_("reference"), max_length=32, unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    # A keyed hash of the normalised address: one application per address and call.
    email_key = models.CharField(max_length=64)
    phone = models.CharField(_("phone"), max_length=30)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    region = models.ForeignKey(
        "registry.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    education = models.TextField(_("education"))
    experience = models.TextField(_("experience"))
    motivation = models.TextField(_("motivation"))
    declarations = models.JSONField(_("eligibility declaration"), default=dict)
    declaration_notes = models.TextField(_("explanation"), blank=True)
    conflicts = models.TextField(_("conflicts of interest"), blank=True)
    consent_version = models.CharField(_("consent version"), max_length=20)
    consent_language = models.CharField(max_length=5)
    consent_given_at = models.DateTimeField(_("consent given at"))
    publish_name = models.BooleanField(_("name may be published if selected"), default=False)
    language = models.CharField(max_length=5, default="ru")
    submitted_at = models.DateTimeField(_("submitted"))
    email_confirmed_at = models.DateTimeField(_("e-mail confirmed"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.RECEIVED
    )
    status_reason = models.TextField(_("reason"), blank=True)
    eligibility_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(
                "call",
                "email_key",
                condition=models.Q(anonymised_at__isnull=True),
                name="application_one_per_address",
            )
        ]

    def __str__(self) -> str:
        return self.reference


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"membership/{instance.application.reference}/{instance.sha256[:16]}{instance.extension}"


class Attachment(AuditedModel):
    """A CV or document attached to an application (PDF, JPEG or PNG, sniffed)."""

    audit_sensitive_fields: ClassVar[frozenset[str]] = frozenset({"original_name", "file"})

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return f"{self.application} · {self.pk}"

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.content_type, ""
        )


class ConflictDeclaration(AuditedModel):
    """A Council member's conflict of interest with one applicant: they do not score them."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="member_conflicts"
    )
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("application", "member", name="conflict_once_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.member_id}"


class Score(AuditedModel):
    """One Council member's score of one applicant on one criterion; final once given."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(_("score"))
    scored_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "application", "criterion", "member", name="score_once_per_member"
            ),
            models.CheckConstraint(
                condition=models.Q(value__lte=Criterion.MAX_SCORE), name="score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.criterion_id} · {self.value}"


class Decision(AuditedModel):
    """The Council meeting's decision on a call: who is selected, with reasons and votes."""

    call = models.OneToOneField(Call, on_delete=models.PROTECT, related_name="decision")
    meeting_date = models.DateField(_("meeting date"))
    reasons = models.TextField(_("reasons"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Council decision")
        verbose_name_plural = _("Council decisions")

    def __str__(self) -> str:
        return f"{self.call} · {self.meeting_date}"


class Vote(AuditedModel):
    class Choice(models.TextChoices):
        FOR = "for", _("for")
        AGAINST = "against", _("against")
        ABSTAIN = "abstain", _("abstained")

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("vote"), max_length=10, choices=Choice.choices)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        constraints = [models.UniqueConstraint("decision", "member", name="vote_once_per_member")]

    def __str__(self) -> str:
        return f"{self.decision} · {self.member_id} · {self.choice}"


def photo_path(instance: "Participation", filename: str) -> str:
    # A random name: the path says nothing about the person (services.participation_photo_set).
    return f"membership/photos/{filename}"


class Participation(AuditedModel):
    """A participant's term: onboarding, start, end, suspension or exclusion (with reason)."""

    class Status(models.TextChoices):
        ONBOARDING = "onboarding", _("onboarding")
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        EXCLUDED = "excluded", _("excluded")
        ENDED = "ended", _("ended")

    # The trail records that the photo changed, not where it is stored.
    audit_sensitive_fields: ClassVar[frozenset[str]] = frozenset({"mandate_code_hash", "photo"})

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="participation"
    )
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, null=True, blank=True, related_name="participation"
    )
    region = models.ForeignKey(
        "registry.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ONBOARDING
    )
    starts_on = models.DateField(_("term starts"))
    ends_on = models.DateField(_("term ends"))
    status_reason = models.TextField(_("reason"), blank=True)
    rules_acknowledged_at = models.DateTimeField(null=True, blank=True)
    test_passed_at = models.DateTimeField(null=True, blank=True)
    mandate_number = models.CharField(_("mandate number"), max_length=30, unique=True)
    mandate_code_hash = models.CharField(max_length=64, unique=True)
    # The mandate's photo: a JPEG re-encoded by the server (services.participation_photo_set).
    photo = models.FileField(_("photo"), upload_to=photo_path, max_length=200, blank=True)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")

    def __str__(self) -> str:
        return self.mandate_number


class OnboardingAttempt(AuditedModel):
    """One try at the onboarding test (an instrument of kind "test"): the answers, the
    score and the version answered. Retakes are new rows; none is ever changed."""

    participation = models.ForeignKey(
        Participation, on_delete=models.PROTECT, related_name="test_attempts"
    )
    # Null for the passes of the first test, which was kept in code (before migration 0003).
    version = models.ForeignKey(
        "instruments.InstrumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("test version"),
    )
    answers = models.JSONField(default=dict)
    correct = models.PositiveSmallIntegerField(_("right answers"))
    total = models.PositiveSmallIntegerField(_("questions"))
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"))
    passed = models.BooleanField(_("passed"))
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("onboarding test attempt")
        verbose_name_plural = _("onboarding test attempts")

    def __str__(self) -> str:
        return f"{self.participation_id}: {self.correct}/{self.total}"


class RateCounter(models.Model):
    """A fixed-window counter of public requests (applications, mandate look-ups); ``key``
    is a keyed hash of what it counts (an address, an e-mail), as in people.throttle."""

    scope = models.CharField(max_length=20)
    key = models.CharField(max_length=64)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint("scope", "key", name="ratecounter_unique_key")]

    def __str__(self) -> str:
        return f"{self.scope}: {self.count}"


class Meeting(AuditedModel):
    """A meeting of the Coordination Council: agenda, documents, decisions with votes.
    Its decisions are public only once the Council has them published."""

    date = models.DateField(_("meeting date"))
    title = models.CharField(_("title"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("decisions published"), null=True, blank=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("Council meeting")
        verbose_name_plural = _("Council meetings")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} · {self.title}"


class AgendaItem(AuditedModel):
    """One item of a meeting's agenda, with the document it discusses (a page of Kuzet:
    the annual report's workspace, the planning, the quality indicators; or another one)."""

    class Document(models.TextChoices):
        NONE = "", _("no document")
        ANNUAL_REPORT = "annual_report", _("annual report draft")
        PLANNING = "planning", _("visit planning")
        QUALITY = "quality", _("quality indicators")
        OTHER = "other", _("other document")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("agenda item"), max_length=300)
    document_kind = models.CharField(
        _("document"), max_length=20, choices=Document.choices, blank=True
    )
    # A path on this site ("/reports/annual/2026/"), never another site.
    document_link = models.CharField(_("link to the document"), max_length=300, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return self.title


class MeetingDecision(AuditedModel):
    """A decision of a meeting, with each member's vote; it may change a regional group's
    composition (add or remove a person), which is applied when the decision is recorded."""

    class Change(models.TextChoices):
        NONE = "", _("no change to a group")
        ADD = "add", _("add the person to the group")
        REMOVE = "remove", _("remove the person from the group")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    agenda_item = models.ForeignKey(
        AgendaItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("agenda item"),
    )
    text = models.TextField(_("decision"))
    reasons = models.TextField(_("reasons"))
    group = models.ForeignKey(
        "people.RegionalGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("regional group"),
    )
    change = models.CharField(_("change"), max_length=10, choices=Change.choices, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("meeting decision")
        verbose_name_plural = _("meeting decisions")

    def __str__(self) -> str:
        return f"{self.meeting} · {self.pk}"


class MeetingVote(AuditedModel):
    decision = models.ForeignKey(MeetingDecision, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("vote"), max_length=10, choices=Vote.Choice.choices)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("decision", "member", name="meeting_vote_once_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.decision} · {self.member_id} · {self.choice}"
