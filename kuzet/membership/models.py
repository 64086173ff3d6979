"""Open selection of NPM participants: calls, applications, the Council's scoring and
decisions, participants' terms and the mandates institutions verify."""

from typing import Any, ClassVar

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
    # The meeting's decision (agenda item, votes, publication). Null only for decisions
    # recorded before decisions belonged to meetings and not matched by migration 0004.
    meeting_decision = models.OneToOneField(
        "MeetingDecision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="call_decision",
        verbose_name=_("meeting decision"),
    )

    class Meta:
        verbose_name = _("Council decision")
        verbose_name_plural = _("Council decisions")

    def __str__(self) -> str:
        return f"{self.call} · {self.meeting_date}"

    def vote_list(self) -> list[Any]:
        """The members' votes: the meeting decision's, or this record's own (older ones)."""
        if self.meeting_decision_id is not None:
            return list(self.meeting_decision.votes.select_related("member"))  # type: ignore[union-attr]
        return list(self.votes.select_related("member"))


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
    """A decision taken at a meeting (on one of its agenda items), with each member's vote.
    Its kind says what it does, applied when it is recorded: a selection on a call (the
    call's ``Decision`` links here), a participant's term (suspend, exclude, end, reinstate),
    a regional group's composition (add or remove a person), a team composition rule, or
    nothing beyond its text. Public once published (``published_at``)."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("decision")
        SELECTION = "selection", _("selection of participants")
        PARTICIPANT = "participant", _("participant's term")
        GROUP = "group", _("regional group's composition")
        TEAM_RULE = "team_rule", _("visit teams' composition rule")

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
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.GENERAL)
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
    participation = models.ForeignKey(
        Participation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("participant"),
    )
    new_status = models.CharField(
        _("new status"), max_length=12, choices=Participation.Status.choices, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("meeting decision")
        verbose_name_plural = _("meeting decisions")

    def __str__(self) -> str:
        return f"{self.meeting} · {self.pk}"

    def vote_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(MeetingVote.Choice.values, 0)
        for vote in self.votes.all():
            counts[vote.choice] = counts.get(vote.choice, 0) + 1
        return counts

    def public_text(self) -> str:
        """What the public page says: the text as written for a decision that concerns
        nobody in particular; for one about people, a summary naming none of them (an
        applicant's name is published only on the call's outcome page, with consent)."""
        if self.kind == self.Kind.SELECTION:
            call_decision = getattr(self, "call_decision", None)
            if call_decision is None:
                return str(_("Selection of participants."))
            call = call_decision.call
            selected = call.applications.filter(status=Application.Status.SELECTED).count()
            return str(
                _("Selection on the call “%(call)s”: %(count)d applicant(s) selected.")
                % {"call": call.title, "count": selected}
            )
        if self.kind == self.Kind.PARTICIPANT:
            return str(
                _("A participant's term: %(status)s.") % {"status": self.get_new_status_display()}
            )
        if self.kind == self.Kind.GROUP:
            return str(
                _("Composition of the regional group “%(group)s”: %(change)s.")
                % {"group": self.group, "change": self.get_change_display()}
            )
        if self.kind == self.Kind.TEAM_RULE:
            rules = [str(rule) for rule in self.team_rules.all()]
            ended = [str(rule) for rule in self.ended_team_rules.all()]
            parts = rules or [str(_("lifted: %(rules)s") % {"rules": "; ".join(ended)})]
            return str(_("Visit teams' composition: %(rules)s.") % {"rules": "; ".join(parts)})
        return self.text


class MeetingVote(AuditedModel):
    class Choice(models.TextChoices):
        FOR = "for", _("for")
        AGAINST = "against", _("against")
        ABSTAIN = "abstain", _("abstained")
        CONFLICT = "conflict", _("conflict of interest declared, did not vote")

    decision = models.ForeignKey(MeetingDecision, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("vote"), max_length=10, choices=Choice.choices)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("decision", "member", name="meeting_vote_once_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.decision} · {self.member_id} · {self.choice}"


class TeamRule(AuditedModel):
    """A rule on visit teams' composition, set by a Council decision and in force until a
    later decision on the same rule (and region) replaces or lifts it. Enforced where teams
    are formed (visits planning, through ``core.policy.TEAM_RULES``)."""

    class Kind(models.TextChoices):
        MIN_SIZE = "min_size", _("minimum team size")
        MIN_SELECTED = (
            "min_selected",
            _("minimum number of participants selected by open call (onboarding passed)"),
        )

    kind = models.CharField(_("rule"), max_length=20, choices=Kind.choices)
    value = models.PositiveSmallIntegerField(_("value"))
    region = models.ForeignKey(
        "registry.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    decision = models.ForeignKey(
        MeetingDecision, on_delete=models.PROTECT, related_name="team_rules"
    )
    ended_by = models.ForeignKey(
        MeetingDecision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ended_team_rules",
    )

    class Meta:
        ordering = ["kind", "region_id", "pk"]
        verbose_name = _("team composition rule")
        verbose_name_plural = _("team composition rules")
        constraints = [
            models.UniqueConstraint(
                "kind",
                "region",
                condition=models.Q(ended_by__isnull=True),
                name="teamrule_one_in_force",
            ),
            models.CheckConstraint(condition=models.Q(value__gte=1), name="teamrule_value"),
        ]

    def __str__(self) -> str:
        where = str(self.region) if self.region_id else str(_("every region"))
        if self.kind == self.Kind.MIN_SIZE:
            text = _("at least %(n)d people on a team") % {"n": self.value}
        else:
            text = _("at least %(n)d participants selected by open call on a team") % {
                "n": self.value
            }
        return f"{text} ({where})"


def meeting_document_path(instance: "MeetingDocument", filename: str) -> str:
    return f"meetings/{instance.meeting_id}/{instance.sha256[:16]}{instance.extension}"


class MeetingDocument(AuditedModel):
    """A document of a meeting: a file uploaded (PDF, DOCX, XLSX, sniffed by content) or a
    document of Kuzet itself, linked by its key (``documents.py``: the annual report's
    editions, the planning, the quality indicators), resolved when shown."""

    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    EXTENSIONS: ClassVar[dict[str, str]] = {
        "application/pdf": ".pdf",
        DOCX: ".docx",
        XLSX: ".xlsx",
    }

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    agenda_item = models.ForeignKey(
        AgendaItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("agenda item"),
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(upload_to=meeting_document_path, max_length=200, blank=True)
    content_type = models.CharField(max_length=80, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    system_key = models.CharField(_("document of Kuzet"), max_length=60, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("meeting document")
        verbose_name_plural = _("meeting documents")
        constraints = [
            models.CheckConstraint(
                condition=(~models.Q(file="") & models.Q(system_key=""))
                | (models.Q(file="") & ~models.Q(system_key="")),
                name="meetingdocument_file_or_link",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def extension(self) -> str:
        return self.EXTENSIONS.get(self.content_type, "")
