"""Device tokens in the admin: an administrator sees who signed which device in and
revokes access (a lost or seized tablet). The token's hash is never shown."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kuzet.core.admin_site import PolicyAdminMixin
from kuzet.core.policy import Action
from kuzet.field.models import DeviceToken
from kuzet.field.services import device_token_revoke

SHOWN = ("user", "name", "created_at", "expires_at", "last_used_at", "revoked_at", "revoked_by")


@admin.register(DeviceToken)
class DeviceTokenAdmin(PolicyAdminMixin, admin.ModelAdmin):
    policy_action = Action.MANAGE_USERS
    list_display = ["name", "user", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "user__full_name", "name"]
    # Everything but the token's hash, read-only.
    fields = SHOWN
    readonly_fields = SHOWN
    list_select_related = ["user"]
    actions = ["revoke"]

    # Tokens are issued by signing a device in, and kept (submissions name them).
    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=_("Revoke the access of the selected devices"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[DeviceToken]) -> None:
        count = 0
        for device in queryset.filter(revoked_at__isnull=True):
            device_token_revoke(actor=request.user, device=device)
            count += 1
        self.message_user(
            request,
            ngettext(
                "Access revoked for %(count)d device; it must sign in again.",
                "Access revoked for %(count)d devices; they must sign in again.",
                count,
            )
            % {"count": count},
        )
