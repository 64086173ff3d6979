"""The public call and application: as an outsider on a phone would use it."""

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from kuzet.core.models import AuditEvent
from kuzet.membership.models import Application, Attachment, Call
from kuzet.membership.tests.conftest import apply_as, form_data, status_link_from
from kuzet.registry.models import Region

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def upload(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_the_public_pages_need_no_sign_in_and_speak_kazakh(call: Call) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="kk")
    listing = client.get("/apply/")
    assert listing.status_code == 200
    assert "ҰАТ қатысушыларын іріктеу 2027" in listing.content.decode()
    page = client.get(f"/apply/{call.pk}/")
    assert page.status_code == 200
    assert "Тәжірибе" in page.content.decode()


def test_an_outsider_applies_confirms_the_address_and_follows_the_status(
    call: Call, own_region: Region, mailoutbox: list[Any]
) -> None:
    client = Client()
    data = form_data(own_region)
    data["attachments"] = [upload("cv.pdf", PDF), upload("diploma.png", PNG)]
    response = apply_as(client, call, data)
    assert response.status_code == 302
    assert response["Location"] == "/apply/sent/"
    application = Application.objects.get()
    assert application.email_confirmed_at is None
    assert application.status == Application.Status.ELIGIBLE  # every ground: does not apply
    assert application.consent_version == "2026-12"
    assert [a.content_type for a in application.attachments.order_by("pk")] == [
        "application/pdf",
        "image/png",
    ]
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["aigul@example.kz"]
    link = status_link_from(mailoutbox[0])
    page = Client().get(link)
    assert page.status_code == 200
    assert application.reference in page.content.decode()
    application.refresh_from_db()
    assert application.email_confirmed_at is not None
    # A link with a wrong token shows nothing.
    wrong = link[:-3] + ("aa/" if not link.endswith("aa/") else "bb/")
    assert Client().get(wrong).status_code == 404


def test_missing_and_malformed_fields_are_named_and_nothing_is_saved(
    call: Call, own_region: Region, mailoutbox: list[Any]
) -> None:
    data = form_data(own_region, email="not-an-address", phone="call me", consent=None)
    del data["ground_judge"]
    data["motivation"] = ""
    response = apply_as(Client(), call, data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) >= {"email", "phone", "consent", "ground_judge", "motivation"}
    assert not Application.objects.exists() and not mailoutbox


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("cv.pdf", b"MZ\x90\x00 a program", "not a real PDF"),
        ("photo.gif", b"GIF89a", "only PDF, JPEG and PNG"),
        ("empty.png", b"", "is empty"),
    ],
)
def test_a_disguised_or_wrong_file_is_refused_and_nothing_is_saved(
    call: Call, own_region: Region, mailoutbox: list[Any], name: str, data: bytes, words: str
) -> None:
    form = form_data(own_region)
    form["attachments"] = [upload("cv.pdf", PDF), upload(name, data)]
    response = apply_as(Client(), call, form)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not Application.objects.exists() and not Attachment.objects.exists()
    assert not mailoutbox


def test_an_oversized_file_is_refused(
    call: Call, own_region: Region, settings: Any, mailoutbox: list[Any]
) -> None:
    settings.MEMBERSHIP_ATTACHMENT_MAX_BYTES = 1024
    form = form_data(own_region)
    form["attachments"] = [upload("cv.pdf", PDF + b"x" * 2000)]
    response = apply_as(Client(), call, form)
    assert response.status_code == 400
    assert "the limit is 1 KB" in response.content.decode()
    assert not Application.objects.exists()


def test_the_honeypot_answers_as_usual_and_saves_nothing(
    call: Call, own_region: Region, mailoutbox: list[Any]
) -> None:
    response = apply_as(Client(), call, form_data(own_region, website="http://spam.example"))
    assert response.status_code == 302 and response["Location"] == "/apply/sent/"
    assert not Application.objects.exists() and not mailoutbox


def test_applying_twice_with_one_address_tells_nobody_but_its_owner(
    call: Call, own_region: Region, mailoutbox: list[Any]
) -> None:
    first = apply_as(Client(), call, form_data(own_region))
    second = apply_as(
        Client(REMOTE_ADDR="127.0.0.9"),
        call,
        form_data(own_region, email=" AIGUL@example.kz ", full_name="Someone Else"),
    )
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Application.objects.count() == 1
    assert len(mailoutbox) == 2
    assert "already applied" in mailoutbox[1].body
    assert status_link_from(mailoutbox[0]) == status_link_from(mailoutbox[1])


def test_a_flood_from_one_address_is_slowed(
    call: Call, own_region: Region, settings: Any, mailoutbox: list[Any]
) -> None:
    settings.MEMBERSHIP_APPLY_PER_ADDRESS_HOUR = 2
    client = Client(REMOTE_ADDR="127.0.0.5")
    for n in range(2):
        assert (
            apply_as(client, call, form_data(own_region, email=f"p{n}@example.kz")).status_code
            == 302
        )
    refused = apply_as(client, call, form_data(own_region, email="p9@example.kz"))
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert Application.objects.count() == 2
    # Another address is not affected.
    other = apply_as(
        Client(REMOTE_ADDR="127.0.0.6"), call, form_data(own_region, email="q@example.kz")
    )
    assert other.status_code == 302


def test_one_mailbox_is_not_flooded_with_our_messages(
    call: Call, own_region: Region, settings: Any, mailoutbox: list[Any]
) -> None:
    settings.MEMBERSHIP_APPLY_PER_EMAIL_DAY = 2
    for n in range(4):
        response = apply_as(Client(REMOTE_ADDR=f"127.0.1.{n}"), call, form_data(own_region))
        assert response.status_code == 302
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    ("answers", "status"),
    [
        ({}, Application.Status.ELIGIBLE),
        ({"ground_judge": "yes"}, Application.Status.INELIGIBLE),
        ({"ground_register": "unsure", "declaration_notes": "Был на учёте в 2001"}, "received"),
    ],
)
def test_the_declaration_decides_eligibility_where_it_can(
    call: Call, own_region: Region, mailoutbox: list[Any], answers: dict[str, str], status: str
) -> None:
    assert apply_as(Client(), call, form_data(own_region, **answers)).status_code == 302
    assert Application.objects.get().status == status


def test_not_sure_needs_an_explanation(call: Call, own_region: Region) -> None:
    response = apply_as(Client(), call, form_data(own_region, ground_register="unsure"))
    assert response.status_code == 400
    assert "declaration_notes" in response.context["form"].errors


def test_a_closed_call_takes_no_application(
    call: Call, own_region: Region, mailoutbox: list[Any]
) -> None:
    call.status = Call.Status.CLOSED
    call.save(update_fields=["status"])
    response = apply_as(Client(), call, form_data(own_region))
    assert response.status_code == 410
    assert not Application.objects.exists()


def test_personal_data_never_enter_the_audit_trail(
    call: Call, own_region: Region, mailoutbox: list[Any]
) -> None:
    apply_as(Client(), call, form_data(own_region))
    events = AuditEvent.objects.filter(object_type="membership.application")
    assert events.exists()
    text = " ".join(str(e.values) for e in events)
    assert (
        "Айгуль" not in text and "aigul@example.kz" not in text and "123 45 67" not in text
    )  # (not "701": a timestamp may hold it)
