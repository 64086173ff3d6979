"""The public pages: no sign-in."""

from django.urls import path

from kuzet.membership import views
from kuzet.membership.services import INVITATIONS
from kuzet.people.invitations import invitation_page

app_name = "apply"
urlpatterns = [
    path("", views.call_list, name="calls"),
    path("<int:pk>/", views.apply, name="apply"),
    path("<int:pk>/outcome/", views.outcome, name="outcome"),
    path("council/", views.public_meetings, name="meetings"),
    path("council/<int:pk>/", views.public_meeting, name="meeting"),
    path("sent/", views.sent, name="sent"),
    path("status/<str:reference>/<str:token>/", views.status, name="status"),
    path(
        "invitation/<str:token>/",
        invitation_page,
        {"purpose": INVITATIONS},
        name="invitation",
    ),
]
