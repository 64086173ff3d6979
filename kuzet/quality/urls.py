from django.urls import path

from kuzet.quality import views

app_name = "quality"
urlpatterns = [
    path("settings/", views.settings_page, name="settings"),
    path("settings/lists/", views.lexicons_page, name="lexicons"),
    path("settings/lists/<slug:name>/<slug:lang>/", views.lexicon_edit, name="lexicon"),
]
