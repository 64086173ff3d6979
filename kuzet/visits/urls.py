from django.urls import path

from kuzet.visits import views

app_name = "visits"
urlpatterns = [
    path("", views.visit_list, name="visit_list"),
    path("plan/", views.visit_plan_view, name="visit_plan"),
    path("<int:pk>/", views.visit_detail, name="visit_detail"),
    path("<int:pk>/step/", views.visit_transition_view, name="visit_transition"),
    path("<int:pk>/interviews/new/", views.interview_new, name="interview_new"),
    path("<int:pk>/findings/new/", views.finding_new, name="finding_new"),
    path("<int:pk>/allegations/new/", views.allegation_new, name="allegation_new"),
]
