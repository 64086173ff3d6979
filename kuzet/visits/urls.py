from django.urls import path

from kuzet.visits import views

app_name = "visits"
urlpatterns = [
    path("", views.visit_list, name="visit_list"),
    path("plan/", views.visit_plan_view, name="visit_plan"),
    path("<int:pk>/", views.visit_detail, name="visit_detail"),
    path("<int:pk>/step/", views.visit_transition_view, name="visit_transition"),
    path("<int:pk>/times/", views.visit_times_view, name="visit_times"),
    path("<int:pk>/interviews/new/", views.interview_new, name="interview_new"),
    path("<int:pk>/findings/new/", views.finding_new, name="finding_new"),
    path("<int:pk>/allegations/new/", views.allegation_new, name="allegation_new"),
    path("<int:pk>/interviews/<int:record_pk>/edit/", views.interview_edit, name="interview_edit"),
    path("<int:pk>/findings/<int:record_pk>/edit/", views.finding_edit, name="finding_edit"),
    path(
        "<int:pk>/allegations/<int:record_pk>/edit/",
        views.allegation_edit,
        name="allegation_edit",
    ),
    path("<int:pk>/responses/", views.responses_tab, name="responses_tab"),
    path("<int:pk>/responses/new/", views.response_start_view, name="response_start"),
    path("<int:pk>/responses/<uuid:uuid>/", views.response_edit, name="response_edit"),
    path("<int:pk>/review/", views.review_tab, name="review_tab"),
    path("<int:pk>/review/comment/", views.review_comment_view, name="review_comment"),
    path(
        "<int:pk>/review/comments/<int:comment_pk>/resolve/",
        views.comment_resolve,
        name="comment_resolve",
    ),
    path("<int:pk>/review/amend/", views.amendment_view, name="amendment_add"),
    path("<int:pk>/quality/text/", views.text_check, name="text_check"),
    path("<int:pk>/media/", views.media_tab, name="media_tab"),
    path("<int:pk>/media/upload/", views.media_upload, name="media_upload"),
    path("media/<uuid:uuid>/", views.media_file, name="media_file"),
    path("appeals/", views.appeal_list, name="appeal_list"),
    path("appeals/<int:appeal_pk>/", views.appeal_detail, name="appeal_detail"),
    # Tabs with views of their own come before this one.
    path("<int:pk>/<slug:tab>/", views.visit_tab, name="visit_tab"),
]
