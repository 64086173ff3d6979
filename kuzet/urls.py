"""Kuzet's URL map: one include per app."""

from django.contrib import admin
from django.urls import include, path

from kuzet.core import views as core_views
from kuzet.field.api import api as field_api

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", core_views.home, name="home"),
    path("accounts/", include("kuzet.people.urls")),
    path("accounts/me/devices/", include("kuzet.field.account_views")),
    path("inventory/", include("kuzet.registry.urls")),
    path("instruments/", include("kuzet.instruments.urls")),
    path("visits/", include("kuzet.visits.urls")),
    path("recommendations/", include("kuzet.recommendations.urls")),
    path("reports/", include("kuzet.reports.urls")),
    path("field/", include("kuzet.field.urls")),
    path("openrosa/", include("kuzet.openrosa.urls")),
    path("dashboard/", include("kuzet.dashboard.urls")),
    path("quality/", include("kuzet.quality.urls")),
    path("api/v1/uploads/", include("kuzet.field.tus")),
    path("api/v1/", field_api.urls),
    path("portal/", include("kuzet.portal.urls")),
    path("public/", include("kuzet.public.urls")),
    path("notifications/", include("kuzet.notifications.urls")),
    path("audit/", include("kuzet.core.urls")),
    path("apply/", include("kuzet.membership.public_urls")),
    path("verify/", include("kuzet.membership.verify_urls")),
    path("membership/", include("kuzet.membership.urls")),
    path("admin/", admin.site.urls),
]
