from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kuzet.core.admin_site import PolicyAdminMixin
from kuzet.core.policy import Action
from kuzet.registry.models import Department, Institution, InstitutionType, Region
from kuzet.registry.services import institution_save


@admin.register(Region)
class RegionAdmin(PolicyAdminMixin, admin.ModelAdmin):
    policy_action = Action.MANAGE_REFERENCE_DATA
    list_display = ["name_ru", "name_kk", "name_en", "kato", "kind"]
    search_fields = ["name_ru", "name_kk", "name_en", "kato"]


@admin.register(Department)
class DepartmentAdmin(PolicyAdminMixin, admin.ModelAdmin):
    policy_action = Action.MANAGE_REFERENCE_DATA
    list_display = ["name_ru", "short_name_ru", "code", "is_active", "sort_order"]
    search_fields = ["name_ru", "name_kk", "code"]


@admin.register(InstitutionType)
class InstitutionTypeAdmin(PolicyAdminMixin, admin.ModelAdmin):
    policy_action = Action.MANAGE_REFERENCE_DATA
    list_display = ["name_ru", "short_name_ru", "code", "department", "is_active"]
    list_filter = ["department", "is_active"]
    search_fields = ["name_ru", "name_kk", "code"]


@admin.register(Institution)
class InstitutionAdmin(PolicyAdminMixin, admin.ModelAdmin):
    # The admin is for national staff (see KuzetAdminSite.has_permission).
    policy_action = Action.MANAGE_REFERENCE_DATA
    list_display = ["name_ru", "type", "region", "department", "status", "is_demo"]
    list_filter = ["region", "department", "type", "status", "is_demo"]
    search_fields = ["name_ru", "name_kk", "address"]
    list_select_related = ["type", "region", "department"]

    def save_model(self, request: HttpRequest, obj: Institution, form: Any, change: bool) -> None:
        institution_save(institution=obj)
