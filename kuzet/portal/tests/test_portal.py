"""The addressee portal: invitations, what an official sees, their answers with a plan and
evidence, the NPM's assessment, reminders and bad input."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kuzet.core.models import AuditAction, AuditEvent
from kuzet.core.policy import Role
from kuzet.notifications.models import Notification
from kuzet.people.models import Invitation, User
from kuzet.portal.models import Answer, EvidenceFile
from kuzet.portal.services import answer_assess, answer_record, official_invite
from kuzet.portal.tests.conftest import PASSWORD, PDF, TEXT
from kuzet.recommendations.models import Addressee, Recommendation
from kuzet.recommendations.reminders import recommendation_reminders_send

pytestmark = pytest.mark.django_db
R = Recommendation.Status


def answer_post(client: Client, rec: Recommendation, **extra: object) -> object:
    data: dict[str, object] = {
        "position": "accepted",
        "text": "Принято: окна будут заменены в рамках ремонта 2027 года.",
        "plan_action_0": "Заменить стеклоблоки окнами в камерах № 2 и № 5",
        "plan_due_0": "2027-05-01",
        "evidence": SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf"),
    }
    data.update(extra)
    return client.post(reverse("portal:recommendation", args=[rec.pk]), data)


def test_an_invitation_link_creates_one_official_and_works_once(
    secretariat: User, police: Addressee
) -> None:
    _invitation, token = official_invite(actor=secretariat, addressee=police, full_name="Асан Б.")
    url = reverse("portal:invitation", args=[token])
    form = {"username": "asan", "password": PASSWORD, "password_again": PASSWORD}
    assert Client().post(url, form).status_code == 302
    user = User.objects.get(username="asan")
    assert user.role == Role.ADDRESSEE and user.official.addressee == police
    again = Client(HTTP_ACCEPT_LANGUAGE="en").post(url, {**form, "username": "asan2"})
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert not User.objects.filter(username="asan2").exists()


def test_an_expired_or_unknown_invitation_link_is_refused_clearly(
    secretariat: User, police: Addressee
) -> None:
    invitation, token = official_invite(actor=secretariat, addressee=police, full_name="Б.")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(1))
    expired = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("portal:invitation", args=[token]))
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    unknown = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("portal:invitation", args=["x" * 43]))
    assert unknown.status_code == 410 and "not valid" in unknown.content.decode()


def test_only_the_secretariat_invites_officials(
    coordinator: User, police: Addressee, client_for: Callable[[User], Client]
) -> None:
    response = client_for(coordinator).post(
        reverse("portal:officials"), {"addressee": police.pk, "full_name": "X"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_the_secretariat_sees_the_link_once_on_the_officials_page(
    secretariat: User, police: Addressee, client_for: Callable[[User], Client]
) -> None:
    client = client_for(secretariat)
    page = client.post(reverse("portal:officials"), {"addressee": police.pk, "full_name": "Ф. И."})
    assert "/portal/invitation/" in page.content.decode()
    assert "/portal/invitation/" not in client.get(reverse("portal:officials")).content.decode()


def test_an_official_without_a_second_factor_must_enrol_outside_the_demo(
    official: User, settings: object
) -> None:
    settings.DEMO = False  # type: ignore[attr-defined]
    client = Client()
    client.force_login(official)
    response = client.get(reverse("portal:index"))
    assert response.status_code == 302 and "/two-factor/setup/" in response["Location"]


def test_an_official_sees_only_their_addressees_recommendations(
    recommendations: tuple[Recommendation, Recommendation], official_client: Client
) -> None:
    ours, theirs = recommendations
    page = official_client.get(reverse("portal:index")).content.decode()
    assert reverse("portal:recommendation", args=[ours.pk]) in page
    assert reverse("portal:recommendation", args=[theirs.pk]) not in page
    assert official_client.get(reverse("portal:recommendation", args=[ours.pk])).status_code == 200
    refused = official_client.get(reverse("portal:recommendation", args=[theirs.pk]))
    unknown = official_client.get(reverse("portal:recommendation", args=[theirs.pk + 999]))
    assert refused.status_code == unknown.status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED, object_id=str(theirs.pk)
    ).exists()


def test_an_official_meets_none_of_the_npms_pages(
    recommendations: tuple[Recommendation, Recommendation], official_client: Client
) -> None:
    ours, _theirs = recommendations
    assert official_client.get("/")["Location"] == reverse("portal:index")
    for url in (
        reverse("visits:visit_detail", args=[ours.visit_id]),
        reverse("visits:visit_list"),
        reverse("recommendations:recommendation_detail", args=[ours.pk]),
        reverse("registry:institution_list"),
        reverse("dashboard:indicators"),
        reverse("reports:index"),
    ):
        assert official_client.get(url).status_code == 404, url


def test_sending_a_visit_tells_each_addressees_officials_with_the_deadline(
    official: User, other_official: User, recommendations: tuple[Recommendation, Recommendation]
) -> None:
    told = Notification.objects.get(recipient=official, kind="portal_sent")
    body = told.texts["en"]["body"]
    assert "01.07.2027" in body or "7/1/2027" in body or "2027" in body
    assert TEXT[:40] in body
    other = Notification.objects.get(recipient=other_official, kind="portal_sent")
    assert TEXT[:40] not in other.texts["en"]["body"]


def test_the_sent_notice_goes_by_email_through_djangos_mail_backend(
    official: User, recommendations: tuple[Recommendation, Recommendation]
) -> None:
    from django.core.management import call_command

    call_command("send_notification_emails")
    assert any(official.email in m.to for m in mail.outbox)


def test_an_answer_with_a_plan_and_a_pdf_is_kept_with_its_hash_and_moves_the_status(
    recommendations: tuple[Recommendation, Recommendation], official_client: Client, official: User
) -> None:
    ours, _ = recommendations
    response = answer_post(official_client, ours)
    assert response.status_code == 302
    answer = Answer.objects.get(recommendation=ours)
    assert answer.plan.get().due == date(2027, 5, 1)
    item = EvidenceFile.objects.get(answer=answer)
    import hashlib

    assert item.sha256 == hashlib.sha256(PDF).hexdigest()
    assert item.content_type == "application/pdf"
    ours.refresh_from_db()
    assert ours.status == R.ACCEPTED
    last = ours.history.order_by("-pk").first()
    assert last is not None and last.assessed_by == official
    assert ours.addressee.name_ru in last.evidence
    download = official_client.get(reverse("portal:evidence_file", args=[item.uuid]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_a_wrong_file_type_or_a_too_large_file_is_refused_and_nothing_is_stored(
    recommendations: tuple[Recommendation, Recommendation],
    official_client: Client,
    settings: object,
) -> None:
    ours, _ = recommendations
    exe = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    response = answer_post(official_client, ours, evidence=exe)
    assert response.status_code == 400
    assert "not a PDF" in response.content.decode()
    settings.PORTAL_EVIDENCE_MAX_BYTES = 10  # type: ignore[attr-defined]
    big = answer_post(official_client, ours)
    assert "larger than" in big.content.decode()
    assert not Answer.objects.exists() and not EvidenceFile.objects.exists()
    ours.refresh_from_db()
    assert ours.status == R.ISSUED


def test_an_office_document_is_taken_and_a_plain_zip_is_not(
    recommendations: tuple[Recommendation, Recommendation], official: User
) -> None:
    import io
    import zipfile

    from django.core.exceptions import ValidationError

    def archive(names: list[str]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for name in names:
                z.writestr(name, "<x/>")
        return out.getvalue()

    ours, _ = recommendations
    docx = SimpleUploadedFile("plan.docx", archive(["[Content_Types].xml", "word/document.xml"]))
    answer = answer_record(
        actor=official, recommendation=ours, position="accepted", text="", files=[docx]
    )
    assert answer.files.get().content_type.endswith("wordprocessingml.document")
    with pytest.raises(ValidationError, match="ZIP archive"):
        answer_record(
            actor=official, recommendation=ours, position="progress", text="Ход работ.",
            files=[SimpleUploadedFile("a.zip", archive(["a.txt"]))],
        )  # fmt: skip


def test_an_answer_to_a_closed_recommendation_is_refused_clearly(
    recommendations: tuple[Recommendation, Recommendation],
    official: User,
    official_client: Client,
    secretariat: User,
) -> None:
    ours, _ = recommendations
    answer = answer_record(actor=official, recommendation=ours, position="accepted", text="Да.")
    answer_assess(actor=secretariat, answer=answer, grade="implemented", comment="Проверено.")
    ours.refresh_from_db()
    assert ours.status == R.IMPLEMENTED
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="closed"):
        answer_record(actor=official, recommendation=ours, position="progress", text="Ещё.")
    page = official_client.get(reverse("portal:recommendation", args=[ours.pk])).content.decode()
    assert "closed" in page


def test_an_official_cannot_answer_another_addressees_recommendation(
    recommendations: tuple[Recommendation, Recommendation], official: User, official_client: Client
) -> None:
    from kuzet.portal.services import NotYourAddressee

    _, theirs = recommendations
    with pytest.raises(NotYourAddressee):
        answer_record(actor=official, recommendation=theirs, position="accepted", text="")
    assert answer_post(official_client, theirs).status_code == 404
    assert not Answer.objects.exists()


def test_the_npm_assesses_an_answer_may_ask_for_more_and_the_history_says_who_when(
    recommendations: tuple[Recommendation, Recommendation],
    official: User,
    secretariat: User,
    client_for: Callable[[User], Client],
) -> None:
    ours, _ = recommendations
    answer = answer_record(actor=official, recommendation=ours, position="partly", text="Частично.")
    client = client_for(secretariat)
    more = client.post(
        reverse("portal:answer_assess", args=[answer.pk]),
        {"grade": "more", "rating": "B", "comment": "Приложите смету."},
    )
    assert more.status_code == 302
    ours.refresh_from_db()
    assert ours.status == R.ACCEPTED  # asking for more changes nothing
    assert Notification.objects.filter(recipient=official, kind="portal_assessed").exists()
    progress = answer_record(
        actor=official, recommendation=ours, position="progress", text="Смета приложена."
    )
    client.post(
        reverse("portal:answer_assess", args=[progress.pk]),
        {"grade": "partly", "rating": "B", "comment": "Сделана половина."},
    )
    ours.refresh_from_db()
    assert ours.status == R.PARTLY
    page = client.get(reverse("recommendations:recommendation_detail", args=[ours.pk]))
    html = page.content.decode()
    assert "Сделана половина." in html and "Смета приложена." in html
    steps = list(ours.history.values_list("status", "assessed_by__username"))
    assert steps[-3:] == [
        (R.ACCEPTED, official.username),
        (R.IN_PROGRESS, official.username),
        (R.PARTLY, secretariat.username),
    ]


def test_a_bad_assessment_is_said_and_changes_nothing(
    recommendations: tuple[Recommendation, Recommendation],
    official: User,
    secretariat: User,
    client_for: Callable[[User], Client],
) -> None:
    ours, _ = recommendations
    answer = answer_record(actor=official, recommendation=ours, position="accepted", text="")
    client = client_for(secretariat)
    for data in ({"grade": "nonsense", "comment": "x"}, {"grade": "implemented", "comment": ""}):
        response = client.post(reverse("portal:answer_assess", args=[answer.pk]), data)
        assert response.status_code == 302
    ours.refresh_from_db()
    assert ours.status == R.ACCEPTED and not answer.assessments.exists()


def test_reminders_before_and_after_the_deadline_reach_the_official(
    recommendations: tuple[Recommendation, Recommendation], official: User
) -> None:
    ours, _ = recommendations
    assert ours.deadline is not None
    recommendation_reminders_send(today=ours.deadline - timedelta(days=3))
    assert Notification.objects.filter(recipient=official, kind="portal_due").count() == 1
    recommendation_reminders_send(today=ours.deadline + timedelta(days=1))
    assert Notification.objects.filter(recipient=official, kind="portal_overdue").count() == 1


def test_the_overdue_list_per_addressee(
    recommendations: tuple[Recommendation, Recommendation],
    official_client: Client,
    secretariat: User,
    client_for: Callable[[User], Client],
) -> None:
    ours, theirs = recommendations
    Recommendation.objects.filter(pk=ours.pk).update(deadline=date(2020, 1, 1))
    page = client_for(secretariat).get(reverse("portal:overdue")).content.decode()
    assert ours.addressee.name in page and theirs.addressee.name not in page
    mine = official_client.get(reverse("portal:index") + "?overdue=on").content.decode()
    assert reverse("portal:recommendation", args=[ours.pk]) in mine


def test_evidence_files_are_not_for_other_addressees(
    recommendations: tuple[Recommendation, Recommendation],
    official: User,
    other_official: User,
    client_for: Callable[[User], Client],
) -> None:
    ours, _ = recommendations
    answer = answer_record(
        actor=official, recommendation=ours, position="accepted", text="",
        files=[SimpleUploadedFile("p.pdf", PDF)],
    )  # fmt: skip
    url = reverse("portal:evidence_file", args=[answer.files.get().uuid])
    assert client_for(other_official).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to sign-in
