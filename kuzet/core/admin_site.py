"""The admin site asks the permission policy, not Django's per-model permissions."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from kuzet.core.policy import Action, can


class KuzetAdminSite(admin.AdminSite):
    site_header = "Kuzet"
    site_title = "Kuzet"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return can(user, Action.MANAGE_REFERENCE_DATA) or can(user, Action.MANAGE_USERS)


class KuzetAdminConfig(AdminConfig):
    default_site = "kuzet.core.admin_site.KuzetAdminSite"


class PolicyAdminMixin:
    """Grants the admin permissions on a model to those the policy allows ``policy_action``
    (in the object's region, for objects that have one), and deletes row by row so that
    every deletion reaches the audit trail."""

    policy_action: Action

    def _allowed(self, request: HttpRequest, obj: Any = None) -> bool:
        region_id = getattr(obj, "region_id", None) if obj is not None else None
        return can(request.user, self.policy_action, region_id)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                obj.delete()
