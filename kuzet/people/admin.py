from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kuzet.core.admin_site import PolicyAdminMixin
from kuzet.core.policy import Action
from kuzet.people.models import GroupMembership, RegionalGroup, User
from kuzet.people.two_factor import two_factor_reset


class MembershipInline(PolicyAdminMixin, admin.TabularInline):
    policy_action = Action.MANAGE_GROUP
    model = GroupMembership
    extra = 1


@admin.register(User)
class UserAdmin(PolicyAdminMixin, DjangoUserAdmin):
    policy_action = Action.MANAGE_USERS
    list_display = ["username", "full_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "email"]
    actions = ["reset_two_factor"]
    # No superuser flag, groups or per-model permissions: the role and core.policy decide.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Kuzet"), {"fields": ("role", "full_name", "phone", "email", "preferred_language")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    readonly_fields = ["last_login", "date_joined"]
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "role", "full_name", "password1", "password2"),
            },
        ),
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
