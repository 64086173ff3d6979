from django.urls import path

from kuzet.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.institution_list, name="institution_list"),
    path("import/", views.institution_import, name="institution_import"),
    path(
        "import/template.csv", views.institution_import_template, name="institution_import_template"
    ),
    path("<int:pk>/", views.institution_detail, name="institution_detail"),
    path("norms/", views.norm_list, name="norm_list"),
    path("norms/import/", views.norm_texts_import, name="norm_texts_import"),
    path(
        "norms/import/template.csv",
        views.norm_texts_import_template,
        name="norm_texts_import_template",
    ),
]
