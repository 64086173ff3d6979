from django.contrib.auth import views as auth_views
from django.urls import path

from kuzet.people import reset, views

app_name = "people"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor_verify_view, name="two_factor_verify"),
    path("two-factor/setup/", views.two_factor_setup_view, name="two_factor_setup"),
    path("reset/<str:uidb64>/<str:token>/", reset.reset_view, name="reset"),
    path("me/", views.profile_view, name="profile"),
]
