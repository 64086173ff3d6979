"""The mandate's photo: put by the participant or the secretariat, JPEG/PNG sniffed by
content, size- and pixel-limited, re-encoded without EXIF, on the PDF, replaceable,
removable, audited; never on /verify/."""

import io
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.instruments.models import InstrumentVersion
from kuzet.membership.models import Application, Participation
from kuzet.membership.services import PHOTO_BOX, invitation_issue
from kuzet.membership.tests.conftest import right_answers_form
from kuzet.membership.tests.test_participants import (  # noqa: F401 (the fixture)
    become_participant,
    invitation_path,
    selected,
)
from kuzet.membership.tokens import mandate_code
from kuzet.people.models import User

pytestmark = pytest.mark.django_db
OWN = "/membership/mandate/photo/"


@pytest.fixture
def participant(
    selected: Application,  # noqa: F811
    secretariat: User,
    mailoutbox: list[Any],
    onboarding_test: InstrumentVersion,
) -> Client:
    """An active participant (onboarding done), signed in."""
    mailoutbox.clear()
    invitation_issue(actor=secretariat, application=selected, base_url="")
    client = Client()
    become_participant(client, invitation_path(mailoutbox[0]))
    assert (
        client.post("/membership/onboarding/", right_answers_form(onboarding_test)).status_code
        == 302
    )
    return client


def picture(kind: str, size: tuple[int, int] = (900, 1200), **save: Any) -> bytes:
    image = Image.new("RGBA" if kind == "PNG" else "RGB", size, (40, 90, 160, 255))
    for x in range(size[0] // 4, size[0] * 3 // 4):
        for y in range(size[1] // 4, size[1] // 2):
            image.putpixel((x, y), (230, 200, 170, 255))
    buffer = io.BytesIO()
    image.save(buffer, kind, **save)
    return buffer.getvalue()


def upload(name: str, data: bytes) -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


def png_bomb() -> bytes:
    """A valid PNG header claiming 100,000 × 100,000 pixels, with a few bytes of data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )


def stored(participation: Participation) -> Image.Image:
    with participation.photo.open("rb") as file:
        image = Image.open(io.BytesIO(file.read()))
        image.load()
    return image


def test_the_participant_puts_replaces_and_removes_the_photo(
    participant: Client, django_capture_on_commit_callbacks: Any
) -> None:
    # A PNG named .jpg: what counts is the content.
    exif = Image.Exif()
    exif[0x8825] = {2: (43.0, 15.0, 0.0)}  # GPS latitude
    exif[0x0110] = "Camera X-1"
    jpeg_with_gps = picture("JPEG", exif=exif.tobytes())
    assert participant.post(OWN, {"photo": upload("me.jpg", picture("PNG"))}).status_code == 302
    participation = Participation.objects.get()
    first_name = participation.photo.name
    assert first_name.startswith("membership/photos/") and first_name.endswith(".jpg")
    image = stored(participation)
    assert image.format == "JPEG"
    assert image.size[0] <= PHOTO_BOX[0] and image.size[1] <= PHOTO_BOX[1]
    shown = participant.get(OWN)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert "Replace the photo" in participant.get("/membership/onboarding/").content.decode()
    # Replaced: the old file is gone, the new one has no EXIF (no position, no camera).
    with django_capture_on_commit_callbacks(execute=True):
        replaced = participant.post(OWN, {"photo": upload("IMG_1.JPEG", jpeg_with_gps)})
    assert replaced.status_code == 302
    participation.refresh_from_db()
    assert participation.photo.name != first_name
    assert not participation.photo.storage.exists(first_name)
    assert not stored(participation).getexif()
    # Removed: the file too.
    second_name = participation.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        assert participant.post(OWN, {"remove": "1"}).status_code == 302
    participation.refresh_from_db()
    assert not participation.photo
    assert not participation.photo.storage.exists(second_name)
    assert participant.get(OWN).status_code == 404
    # Each change is in the trail, without the file's name.
    changes = [
        e
        for e in AuditEvent.objects.filter(
            object_type="membership.participation", object_id=str(participation.pk)
        )
        if "photo" in e.fields
    ]
    assert len(changes) == 3
    assert all(second_name not in str(e.values) for e in changes)


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("photo.png", b"just some text, not an image", "Only JPEG and PNG photos"),
        ("photo.gif", b"GIF89a" + b"\x00" * 100, "Only JPEG and PNG photos"),
        ("photo.jpg", b"%PDF-1.7 a document", "Only JPEG and PNG photos"),
        ("photo.png", png_bomb(), "too many pixels: at most 40 megapixels"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 50, "cannot be read"),  # truncated
        ("photo.png", b"", "The file is empty"),
    ],
)
def test_a_bad_photo_is_refused_with_the_reason_and_nothing_is_stored(
    participant: Client, name: str, data: bytes, message: str
) -> None:
    page = participant.post(OWN, {"photo": upload(name, data)}, follow=True)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert not Participation.objects.get().photo


def test_an_oversized_photo_is_refused_before_it_is_read(
    participant: Client, settings: Any
) -> None:
    settings.MEMBERSHIP_PHOTO_MAX_BYTES = 2048
    page = participant.post(OWN, {"photo": upload("big.jpg", picture("JPEG"))}, follow=True)
    assert "the limit is 2 KB" in page.content.decode()
    assert not Participation.objects.get().photo


def test_the_secretariat_may_put_the_photo_others_may_not(
    participant: Client,
    secretariat: User,
    client_for: Callable[[User], Client],
    make_user: Callable[..., User],
    council: list[User],
) -> None:
    participation = Participation.objects.get()
    staff = f"/membership/participants/{participation.pk}/photo/"
    done = client_for(secretariat).post(staff, {"photo": upload("x.png", picture("PNG"))})
    assert done.status_code == 302
    participation.refresh_from_db()
    assert participation.photo
    assert client_for(secretariat).get(staff)["Content-Type"] == "image/jpeg"
    assert (
        "Remove the photo"
        in client_for(secretariat).get("/membership/participants/").content.decode()
    )
    for other in (
        council[0],
        make_user(Role.PARTICIPANT, username="other"),
        make_user(Role.AUDITOR),
    ):
        client = client_for(other)
        assert client.get(staff).status_code == 403
        assert client.post(staff, {"remove": "1"}).status_code == 403
        # Their own photo page is theirs only: without a participation, nothing.
        assert client.get(OWN).status_code == 404
    participation.refresh_from_db()
    assert participation.photo
    assert client_for(secretariat).post(staff, {"remove": "1"}).status_code == 302
    participation.refresh_from_db()
    assert not participation.photo


@pytest.mark.slow
def test_the_pdf_carries_the_photo_and_verify_never_shows_it(
    participant: Client, tmp_path: Any
) -> None:
    without = participant.get("/membership/mandate/", {"lang": "ru"}).content
    participant.post(OWN, {"photo": upload("me.png", picture("PNG"))})
    for language in ("ru", "kk"):
        with_photo = participant.get("/membership/mandate/", {"lang": language}).content
        assert with_photo.startswith(b"%PDF")
        pdfimages = shutil.which("pdfimages")
        if pdfimages:
            for label, pdf in (("with", with_photo), ("without", without)):
                path = tmp_path / f"{label}-{language}.pdf"
                path.write_bytes(pdf)
                listing = subprocess.run(
                    [pdfimages, "-list", str(path)], capture_output=True, text=True, check=True
                ).stdout
                images = [line for line in listing.splitlines()[2:] if line.strip()]
                assert len(images) == (1 if label == "with" else 0), listing
    participation = Participation.objects.get()
    page = Client().get(f"/verify/{mandate_code(participation.mandate_number)}/").content.decode()
    assert "VALID TODAY" in page
    assert "<img" not in page and "photo" not in page.lower()
