from django.urls import path

from kuzet.reports import editorial_views as editorial
from kuzet.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("visit/<int:pk>/", views.visit_report, name="visit_report"),
    path("visit/<int:pk>/generate/", views.visit_generate, name="visit_generate"),
    path("visit/<int:pk>/media.zip", views.media_export, name="media_export"),
    path("annual/", views.annual_report, name="annual_report"),
    path("annual/generate/", views.annual_generate, name="annual_generate"),
    path("annual/<int:year>/workspace/", editorial.annual_workspace, name="annual_workspace"),
    path(
        "annual/<int:year>/workspace/open/",
        editorial.annual_workspace_open,
        name="annual_workspace_open",
    ),
    path(
        "annual/section/<int:section>/save/",
        editorial.annual_section_save,
        name="annual_section_save",
    ),
    path(
        "annual/section/<int:section>/status/",
        editorial.annual_section_status,
        name="annual_section_status",
    ),
    path(
        "annual/section/<int:section>/examples/",
        editorial.annual_section_examples,
        name="annual_section_examples",
    ),
    path(
        "annual/section/<int:section>/comment/",
        editorial.annual_section_comment,
        name="annual_section_comment",
    ),
    path(
        "annual/comment/<int:comment>/resolve/",
        editorial.annual_comment_resolve,
        name="annual_comment_resolve",
    ),
    path(
        "annual/edition/<int:edition>/approve/",
        editorial.annual_edition_approve,
        name="annual_edition_approve",
    ),
    path(
        "annual/edition/<int:edition>/publish/",
        editorial.annual_edition_publish_view,
        name="annual_edition_publish",
    ),
    path(
        "annual/<int:year>/translations/",
        editorial.annual_translations,
        name="annual_translations",
    ),
    path(
        "annual/<int:year>/translations/claim/",
        editorial.annual_translation_claim,
        name="annual_translation_claim",
    ),
    path(
        "annual/<int:year>/translations/save/",
        editorial.annual_translation_save,
        name="annual_translation_save",
    ),
    path(
        "annual/<int:year>/recommendations.xlsx",
        editorial.annual_recommendations_annex,
        name="annual_recommendations_annex",
    ),
    path("generated/<uuid:uuid>/", views.generated_detail, name="generated_detail"),
    path("generated/<uuid:uuid>/download/", views.download, name="download"),
    path("export/<slug:dataset>.<slug:fmt>", views.export, name="export"),
]
