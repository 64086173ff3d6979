from django.urls import path

from kuzet.membership import views

app_name = "membership"
urlpatterns = [
    path("calls/", views.staff_calls, name="calls"),
    path("calls/new/", views.staff_call_new, name="call_new"),
    path("calls/<int:pk>/", views.staff_call, name="call"),
    path("calls/<int:pk>/decide/", views.staff_decide, name="decide"),
    path("calls/<int:pk>/publish/", views.staff_publish, name="publish"),
    path("applications/<int:pk>/", views.staff_application, name="application"),
    path("applications/<int:pk>/invite/", views.staff_invite, name="invite"),
    path("attachments/<int:pk>/", views.staff_attachment, name="attachment"),
    path("participants/", views.staff_participants, name="participants"),
    path("participants/<int:pk>/photo/", views.staff_participant_photo, name="participant_photo"),
    path("meetings/", views.staff_meetings, name="meetings"),
    path("meetings/<int:pk>/", views.staff_meeting, name="meeting"),
    path("meetings/<int:pk>/agenda/", views.staff_meeting_agenda, name="meeting_agenda"),
    path("meetings/<int:pk>/decide/", views.staff_meeting_decide, name="meeting_decide"),
    path("meetings/<int:pk>/publish/", views.staff_meeting_publish, name="meeting_publish"),
    path(
        "meetings/<int:pk>/documents/",
        views.staff_meeting_document_upload,
        name="meeting_document_upload",
    ),
    path(
        "meetings/<int:pk>/documents/link/",
        views.staff_meeting_document_link,
        name="meeting_document_link",
    ),
    path("documents/<int:pk>/", views.staff_meeting_document, name="meeting_document"),
    path("decisions/<int:pk>/publish/", views.staff_decision_publish, name="decision_publish"),
    path("onboarding/", views.onboarding, name="onboarding"),
    path("mandate/", views.mandate, name="mandate"),
    path("mandate/photo/", views.own_photo, name="own_photo"),
]
