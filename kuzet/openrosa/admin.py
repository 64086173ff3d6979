"""ODK submissions held for review (an instanceID sent again with other content) and the
state of ODK submissions, read-only: nothing here changes a record."""

from django.contrib import admin
from django.http import HttpRequest

from kuzet.core.admin_site import PolicyAdminMixin
from kuzet.core.policy import Action
from kuzet.openrosa.models import HeldSubmission, OdkSubmission


class ReadOnly(PolicyAdminMixin, admin.ModelAdmin):
    # Held XML holds a visit's answers from any region: national administrators only.
    policy_action = Action.MANAGE_USERS

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(HeldSubmission)
class HeldSubmissionAdmin(ReadOnly):
    list_display = ["instance_id", "user", "form_id", "reason", "received_at"]
    search_fields = ["instance_id", "form_id", "user__username"]
    fields = readonly_fields = ("instance_id", "user", "form_id", "reason", "received_at",
                                "xml_sha256", "xml")  # fmt: skip
    list_select_related = ["user"]


@admin.register(OdkSubmission)
class OdkSubmissionAdmin(ReadOnly):
    list_display = [
        "instance_id",
        "user",
        "form_id",
        "status",
        "encrypted",
        "created_at",
        "received_at",
    ]
    list_filter = ["status", "encrypted"]
    search_fields = ["instance_id", "form_id", "user__username"]
    fields = readonly_fields = ("instance_id", "user", "form_id", "visit", "version", "status",
                                "encrypted", "expected_files", "xml_sha256", "created_at",
                                "received_at", "submission")  # fmt: skip
    list_select_related = ["user"]
