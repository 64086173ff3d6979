from django.urls import path

from kuzet.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.indicators_page, name="indicators"),
    path("chart/<slug:key>.svg", views.chart, name="chart"),
    path("data/<slug:key>.csv", views.table_csv, name="csv"),
    path("visits/", views.visit_drill, name="visits"),
    path("planning/", views.planning, name="planning"),
    path("planning/<int:pk>/remove/", views.plan_entry_remove_view, name="plan_remove"),
    path("weights/", views.weights, name="weights"),
]
