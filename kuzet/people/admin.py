from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from kuzet.core.admin_site import PolicyAdminMixin
from kuzet.core.policy import Action
from kuzet.people.models import GroupMembership, RegionalGroup, User


class MembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(PolicyAdminMixin, DjangoUserAdmin):
    policy_action = Action.MANAGE_USERS
    list_display = ["username", "full_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Kuzet"), {"fields": ("role", "full_name", "phone", "preferred_language")}),
    )


@admin.register(RegionalGroup)
class RegionalGroupAdmin(PolicyAdminMixin, admin.ModelAdmin):
    policy_action = Action.MANAGE_GROUP
    list_display = ["name", "region", "is_active"]
    list_filter = ["region", "is_active"]
    inlines = [MembershipInline]
