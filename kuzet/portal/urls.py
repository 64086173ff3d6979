from django.urls import path

from kuzet.people.invitations import invitation_page
from kuzet.portal import views
from kuzet.portal.services import INVITATIONS

app_name = "portal"
urlpatterns = [
    path("", views.index, name="index"),
    path("recommendation/<int:pk>/", views.recommendation, name="recommendation"),
    path("file/<uuid:uuid>/", views.evidence_file, name="evidence_file"),
    path("invitation/<str:token>/", invitation_page, {"purpose": INVITATIONS}, name="invitation"),
    path("officials/", views.officials, name="officials"),
    path("answer/<int:pk>/assess/", views.answer_assess_view, name="answer_assess"),
    path("overdue/", views.overdue, name="overdue"),
]
