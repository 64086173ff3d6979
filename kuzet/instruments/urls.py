from django.urls import path

from kuzet.instruments import views

app_name = "instruments"
urlpatterns = [
    path("", views.instrument_list, name="instrument_list"),
    path("upload/", views.version_upload, name="version_upload"),
    path("<slug:code>/compare/", views.version_compare, name="version_compare"),
    path("<slug:code>/types/", views.instrument_types, name="instrument_types"),
    path("<slug:code>/v<int:number>/", views.version_detail, name="version_detail"),
    path("<slug:code>/v<int:number>/publish/", views.version_publish, name="version_publish"),
    path("<slug:code>/v<int:number>/discard/", views.version_discard, name="version_discard"),
    path("<slug:code>/v<int:number>/xlsform/", views.version_xlsform, name="version_xlsform"),
]
