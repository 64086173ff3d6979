from django.urls import path

from kuzet.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("visit/<int:pk>/", views.visit_report, name="visit_report"),
    path("visit/<int:pk>/generate/", views.visit_generate, name="visit_generate"),
    path("visit/<int:pk>/media.zip", views.media_export, name="media_export"),
    path("annual/", views.annual_report, name="annual_report"),
    path("annual/generate/", views.annual_generate, name="annual_generate"),
    path("generated/<uuid:uuid>/", views.generated_detail, name="generated_detail"),
    path("generated/<uuid:uuid>/download/", views.download, name="download"),
    path("export/<slug:dataset>.<slug:fmt>", views.export, name="export"),
]
