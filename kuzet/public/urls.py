from django.urls import path

from kuzet.public import views

app_name = "public"
urlpatterns = [
    path("", views.root, name="root"),
    path("manage/", views.manage, name="manage"),
    path("<str:lang>/", views.index, name="index"),
    path("<str:lang>/reports/", views.reports, name="reports"),
    path("<str:lang>/reports/<int:pk>/", views.report_file, name="report_file"),
    path("<str:lang>/addressees/", views.addressees, name="addressees"),
    path("<str:lang>/data/", views.open_data, name="open_data"),
    path("<str:lang>/data/<str:dataset>.<str:fmt>", views.data_file, name="data_file"),
]
