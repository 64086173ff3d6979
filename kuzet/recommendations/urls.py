from django.urls import path

from kuzet.recommendations import views

app_name = "recommendations"
urlpatterns = [
    path("", views.recommendation_list, name="recommendation_list"),
    path("<int:pk>/", views.recommendation_detail, name="recommendation_detail"),
    path("<int:pk>/assess/", views.recommendation_assess_view, name="recommendation_assess"),
    path("<int:pk>/edit/", views.recommendation_edit, name="recommendation_edit"),
    path("visit/<int:pk>/new/", views.recommendation_new, name="recommendation_new"),
    path("visit/<int:pk>/send/", views.visit_send_view, name="visit_send"),
]
