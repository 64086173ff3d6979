"""The admin of people and regional groups, under the policy and separation of duties:
nobody changes their own role or groups, and administrators never set passwords — they
issue a single-use reset link (``people.services.password_reset_link``)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from kuzet.core.access import RoleMayNot, audit_refusal
from kuzet.core.admin_site import PolicyAdminMixin
from kuzet.core.policy import Action, may_change_scope_of
from kuzet.people.models import GroupMembership, RegionalGroup, User
from kuzet.people.services import password_reset_hours, password_reset_link
from kuzet.people.two_factor import two_factor_reset


class MembershipInline(PolicyAdminMixin, admin.TabularInline):
    policy_action = Action.MANAGE_GROUP
    model = GroupMembership
    extra = 1

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        actor = request.user

        class OwnScopeRefused(formset.form):  # type: ignore[name-defined]
            def clean(self) -> dict[str, Any]:
                data: dict[str, Any] = super().clean()
                users = [getattr(self.instance, "user", None), data.get("user")]
                if self.has_changed() and any(
                    user is not None and not may_change_scope_of(actor, user) for user in users
                ):
                    raise ValidationError(gettext("Nobody changes their own regional groups."))
                return data

        formset.form = OwnScopeRefused
        return formset


class UserAddForm(forms.ModelForm):
    """A new account has no password: its owner sets one through a reset link."""

    class Meta:
        model = User
        fields = ["username", "role", "full_name", "email"]

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
    actions = ["reset_two_factor", "issue_password_reset_link"]
    add_form = UserAddForm
    # No superuser flag, groups or per-model permissions: the role and core.policy decide.
    # No password either: administrators never set one (a reset link instead).
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
                "fields": ("username", "role", "full_name", "email"),
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not may_change_scope_of(request.user, obj):
            fields.append("role")  # one's own role is never changed by oneself
        return fields

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if change and "role" in form.changed_data and not may_change_scope_of(request.user, obj):
            audit_refusal(
                user=request.user,
                object_type="people.user",
                object_id=obj.pk,
                refusal=RoleMayNot("change_own_role"),
            )
            raise PermissionDenied(gettext("Nobody changes their own role."))
        super().save_model(request, obj, form, change)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        raise PermissionDenied(
            gettext("Administrators do not set passwords: issue a password reset link.")
        )

    @admin.action(description=_("Issue a password reset link (single use)"))
    def issue_password_reset_link(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            link = request.build_absolute_uri(password_reset_link(user=user, actor=request.user))
            self.message_user(
                request,
                gettext(
                    "Reset link for %(user)s, valid once and for %(hours)d hours; give it to "
                    "them only: %(link)s"
                )
                % {"user": user.get_username(), "hours": password_reset_hours(), "link": link},
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
