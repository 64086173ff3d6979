"""Users, their role and the regional groups that bind them to a region."""

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel
from kuzet.core.policy import REGIONAL_ROLES, Role, needs_two_factor

ROLE_LABELS = {
    Role.PARTICIPANT: _("participant (NPM member)"),
    Role.GROUP_LEADER: _("group leader"),
    Role.COORDINATOR: _("regional coordinator"),
    Role.SECRETARIAT: _("secretariat"),
    Role.COUNCIL: _("Coordination Council member"),
    Role.ADMINISTRATOR: _("administrator"),
    Role.AUDITOR: _("auditor (read-only)"),
    Role.ADDRESSEE: _("official of an addressee"),
}
ROLE_CHOICES = [(role.value, ROLE_LABELS[role]) for role in Role]


class User(AuditedModel, AbstractUser):
    audit_sensitive_fields: ClassVar[frozenset[str]] = frozenset({"password"})

    role = models.CharField(
        _("role"), max_length=20, choices=ROLE_CHOICES, default=Role.PARTICIPANT
    )
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=5,
        choices=[("ru", "Русский"), ("kk", "Қазақша"), ("en", "English")],
        default="ru",
    )

    objects: ClassVar[UserManager["User"]] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS.get(Role(self.role), self.role))

    @property
    def is_regional(self) -> bool:
        return self.role in REGIONAL_ROLES

    @property
    def needs_two_factor(self) -> bool:
        return needs_two_factor(self)

    @cached_property
    def _region_ids(self) -> frozenset[int]:
        return frozenset(
            RegionalGroup.objects.filter(memberships__user=self, is_active=True).values_list(
                "region_id", flat=True
            )
        )

    def region_ids(self) -> frozenset[int]:
        """The regions of the user's active regional groups (see core.policy)."""
        return self._region_ids


class RegionalGroup(AuditedModel):
    """The NPM's group of a region: its participants, leaders and coordinator."""

    region = models.ForeignKey(
        "registry.Region", on_delete=models.PROTECT, related_name="groups", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    members: "models.ManyToManyField[User, GroupMembership]" = models.ManyToManyField(
        User, through="GroupMembership", related_name="regional_groups", verbose_name=_("members")
    )

    class Meta:
        ordering = ["region__name_ru", "name"]
        verbose_name = _("regional group")
        verbose_name_plural = _("regional groups")
        constraints = [models.UniqueConstraint("region", "name", name="regionalgroup_unique_name")]

    def __str__(self) -> str:
        return self.name


class GroupMembership(AuditedModel):
    # PROTECT: memberships are removed one by one (and audited), never by a cascade.
    group = models.ForeignKey(
        RegionalGroup, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("group")
    )
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("user")
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [models.UniqueConstraint("group", "user", name="groupmembership_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.group}"


class Invitation(AuditedModel):
    """A single-use, expiring link by which someone creates their Kuzet account: a selected
    applicant (membership), an addressee's official (portal). Only the SHA-256 of the link's
    token is stored. ``purpose`` names the app that issued it (``people.invitations``); the
    app's record it is about is ``subject`` (the application, the addressee), and what the
    app keeps besides is in ``details`` (an official's position)."""

    audit_sensitive_fields: ClassVar[frozenset[str]] = frozenset({"token_hash"})

    purpose = models.CharField(_("purpose"), max_length=30)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    # Set when the invitation itself says who is invited (an official); an applicant's name
    # and address stay on the application, which retention anonymises.
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    user = models.OneToOneField(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account created"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [
            models.Index(
                fields=["purpose", "subject_type", "subject_id"], name="invitation_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} · {self.full_name or self.subject_id}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class RoleChangeRequest(models.Model):
    """A raise to a role that reads visit content, waiting for a second person's word."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_change_requests", verbose_name=_("user")
    )
    from_role = models.CharField(_("from role"), max_length=20, choices=ROLE_CHOICES)
    to_role = models.CharField(_("to role"), max_length=20, choices=ROLE_CHOICES)
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    confirmed = models.BooleanField(_("confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("role change request")
        verbose_name_plural = _("role change requests")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.user}: {self.from_role} → {self.to_role}"


class ThrottleScope(models.TextChoices):
    """What a sign-in failure counter counts (people.throttle)."""

    ACCOUNT_ADDRESS = "account_address", _("account from one address")
    ACCOUNT = "account", _("account from every address")
    ADDRESS = "address", _("every account from one address")
    KNOWN_BROWSER = "known_browser", _("account from a browser it signed in from")
    NOTICE = "notice", _("failed sign-ins the user is told of")
    NOTICE_SECOND_FACTOR = "notice_second_factor", _("wrong codes the user is told of")


class SignInThrottle(models.Model):
    """One counter of failed sign-ins; ``key`` is a keyed hash of what it counts (a typed
    login may be a password, so no typed login is stored). ``user`` and ``address`` are shown
    to administrators, and set only when the login names an account / for address counters."""

    scope = models.CharField(_("counts"), max_length=24, choices=ThrottleScope.choices)
    key = models.CharField(max_length=64)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    first_failure_at = models.DateTimeField(_("first failure"))
    last_failure_at = models.DateTimeField(_("last failure"), db_index=True)
    notified_at = models.DateTimeField(_("user told at"), null=True, blank=True)
    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in delay")
        verbose_name_plural = _("sign-in delays")
        ordering = ["-last_failure_at"]
        constraints = [
            models.UniqueConstraint("scope", "key", name="signinthrottle_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()}: {self.user or self.address or '—'}"
