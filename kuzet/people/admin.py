from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import URLPattern
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kuzet.core.admin_site import PolicyAdminMixin
from kuzet.core.policy import CONTENT_ROLES, Action, Role
from kuzet.people.models import (
    GroupMembership,
    RegionalGroup,
    RoleChangeRequest,
    SignInThrottle,
    User,
)
from kuzet.people.reset import issue_reset_link
from kuzet.people.roles import decide_role_change, refuse_self_change, request_role_change
from kuzet.people.two_factor import two_factor_reset


class MembershipInline(PolicyAdminMixin, admin.TabularInline):
    policy_action = Action.MANAGE_GROUP
    model = GroupMembership
    extra = 1


class NewUserForm(forms.ModelForm):
    """A new user without a password: administrators never set one (separation of duties)."""

    class Meta:
        model = User
        fields = ["username", "role", "full_name"]

    def save(self, commit: bool = True) -> User:
        user: User = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(PolicyAdminMixin, DjangoUserAdmin):
    policy_action = Action.MANAGE_USERS
    list_display = ["username", "full_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "email"]
    actions = ["reset_two_factor", "issue_reset_link"]
    # No superuser flag, groups or per-model permissions: the role and core.policy decide.
    fieldsets = (
        (None, {"fields": ("username",)}),
        (_("Kuzet"), {"fields": ("role", "full_name", "phone", "email", "preferred_language")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    readonly_fields = ["last_login", "date_joined"]
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "role", "full_name"),
            },
        ),
    )

    add_form = NewUserForm

    def get_urls(self) -> list[URLPattern]:
        # No password form for another user: administrators never set passwords.
        return [
            url for url in super().get_urls() if not (url.name or "").endswith("_password_change")
        ]

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        actor: User = request.user  # type: ignore[assignment]
        new_role = obj.role
        if change:
            obj.role = User.objects.values_list("role", flat=True).get(pk=obj.pk)
        elif new_role in CONTENT_ROLES:
            obj.role = Role.PARTICIPANT
        super().save_model(request, obj, form, change)
        if new_role == obj.role:
            return
        try:
            pending = request_role_change(actor=actor, user=obj, to_role=new_role)
        except PermissionDenied as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        if pending is not None:
            self.message_user(
                request,
                _("The new role waits for confirmation by a different administrator."),
                messages.WARNING,
            )

    @admin.action(description=_("Issue a password reset link (shown once)"))
    def issue_reset_link(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor: User = request.user  # type: ignore[assignment]
        for user in queryset:
            try:
                link = issue_reset_link(actor=actor, user=user, request=request)
            except PermissionDenied as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
                continue
            self.message_user(
                request,
                _("Reset link for %(user)s (hand it over; valid once, for 24 hours): %(link)s")
                % {"user": user, "link": link},
                messages.WARNING,
            )

    @admin.action(description=_("Reset two-factor authentication (lost phone)"))
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            two_factor_reset(user=user)
        self.message_user(
            request,
            ngettext(
                "Two-factor authentication reset for %(count)d user; they enrol again at the next sign-in.",
                "Two-factor authentication reset for %(count)d users; they enrol again at the next sign-in.",
                len(queryset),
            )
            % {"count": len(queryset)},
        )


@admin.register(RegionalGroup)
class RegionalGroupAdmin(PolicyAdminMixin, admin.ModelAdmin):
    policy_action = Action.MANAGE_GROUP
    list_display = ["name", "region", "is_active"]
    list_filter = ["region", "is_active"]
    inlines = [MembershipInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        actor: User = request.user  # type: ignore[assignment]
        for inline_form in formset.forms:
            if inline_form.has_changed() and inline_form.instance.user_id == actor.pk:
                refuse_self_change(actor=actor, user=actor, what=str(_("regional groups")))
        super().save_formset(request, form, formset, change)


@admin.register(RoleChangeRequest)
class RoleChangeRequestAdmin(PolicyAdminMixin, admin.ModelAdmin):
    policy_action = Action.MANAGE_USERS
    list_display = ["user", "from_role", "to_role", "requested_by", "requested_at", "confirmed"]
    list_filter = ["confirmed"]
    actions = ["confirm", "refuse"]
    readonly_fields = [f.name for f in RoleChangeRequest._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[RoleChangeRequest], confirm: bool
    ) -> None:
        actor: User = request.user  # type: ignore[assignment]
        for change in queryset:
            try:
                decide_role_change(actor=actor, change=change, confirm=confirm)
            except PermissionDenied as refusal:
                self.message_user(request, f"{change}: {refusal}", messages.ERROR)

    @admin.action(description=_("Confirm the role change"))
    def confirm(self, request: HttpRequest, queryset: QuerySet[RoleChangeRequest]) -> None:
        self._decide(request, queryset, True)

    @admin.action(description=_("Refuse the role change"))
    def refuse(self, request: HttpRequest, queryset: QuerySet[RoleChangeRequest]) -> None:
        self._decide(request, queryset, False)


@admin.register(SignInThrottle)
class SignInThrottleAdmin(PolicyAdminMixin, admin.ModelAdmin):
    """Counters of failed sign-ins; deleting one lifts its delay at once ("unlock").
    Counters of logins that name no account show no login: it may be a typed password."""

    policy_action = Action.MANAGE_USERS
    list_display = ["scope", "user", "address", "failures", "first_failure_at", "last_failure_at"]
    list_filter = ["scope"]
    search_fields = ["user__username", "user__full_name", "address"]
    fields = readonly_fields = (
        "scope", "user", "address", "failures", "first_failure_at", "last_failure_at", "notified_at"
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
