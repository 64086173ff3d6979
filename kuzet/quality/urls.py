from django.urls import path

from kuzet.quality import views

app_name = "quality"
urlpatterns = [
    path("settings/", views.settings_page, name="settings"),
]
