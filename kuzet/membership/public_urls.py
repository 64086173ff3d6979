"""The public pages: no sign-in."""

from django.urls import path

from kuzet.membership import views

app_name = "apply"
urlpatterns = [
    path("", views.call_list, name="calls"),
    path("<int:pk>/", views.apply, name="apply"),
    path("<int:pk>/outcome/", views.outcome, name="outcome"),
    path("council/", views.public_meetings, name="meetings"),
    path("council/<int:pk>/", views.public_meeting, name="meeting"),
    path("sent/", views.sent, name="sent"),
    path("status/<str:reference>/<str:token>/", views.status, name="status"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
]
