"""The public mandate check a duty officer opens from the QR code or types the code into."""

from django.urls import path

from kuzet.membership import views

app_name = "verify"
urlpatterns = [
    path("", views.verify, name="verify"),
    path("<str:code>/", views.verify, name="code"),
]
