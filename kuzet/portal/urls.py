from django.urls import path

from kuzet.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.index, name="index"),
    path("recommendation/<int:pk>/", views.recommendation, name="recommendation"),
    path("file/<uuid:uuid>/", views.evidence_file, name="evidence_file"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("officials/", views.officials, name="officials"),
    path("answer/<int:pk>/assess/", views.answer_assess_view, name="answer_assess"),
    path("overdue/", views.overdue, name="overdue"),
]
