"""Media evidence: hashed on upload, recognised by content, immutable, served only after a
permission check, every access in the item's chain of custody."""

import hashlib
import io
import random
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils import timezone
from PIL import Image

from kuzet.conftest import InstitutionFactory
from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.people.models import User
from kuzet.registry.models import Region
from kuzet.visits.models import (
    CustodyEvent,
    Finding,
    ImmutableEvidenceError,
    Interview,
    MediaEvidence,
    TeamMember,
    Visit,
)
from kuzet.visits.services.findings import finding_record
from kuzet.visits.services.interviews import interview_record
from kuzet.visits.services.media import EvidenceUploadHandler, media_add, media_open
from kuzet.visits.services.planning import TeamPlace, visit_plan

pytestmark = pytest.mark.django_db
FACTS = "В камере № 3 площадью 8 м² содержались шесть человек, спальных мест четыре, двое спали на полу."


@pytest.fixture(autouse=True)
def storage(settings: object, tmp_path: Path) -> tuple[Path, Path]:
    """A MEDIA_ROOT and an upload temporary directory of the test's own, to see what is left."""
    media, temporary = tmp_path / "media", tmp_path / "upload-tmp"
    media.mkdir()
    temporary.mkdir()
    settings.MEDIA_ROOT = str(media)  # type: ignore[attr-defined]
    settings.FILE_UPLOAD_TEMP_DIR = str(temporary)  # type: ignore[attr-defined]
    return media, temporary


def files_in(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()]


def png_bytes(size: int = 64) -> bytes:
    """A real PNG of noise (it does not compress: the file is some kilobytes)."""
    rng = random.Random(7)
    image = Image.new("RGB", (size, size))
    image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(size * size)])  # fmt: skip
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def upload_url(visit: Visit) -> str:
    return f"/visits/{visit.pk}/media/upload/"


def file_url(item: MediaEvidence) -> str:
    return f"/visits/media/{item.uuid}/"


def post_file(client: Client, visit: Visit, name: str, data: bytes, **fields: object):  # type: ignore[no-untyped-def]
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(upload_url(visit), {**fields, "file": upload}, HTTP_ACCEPT_LANGUAGE="en")


def stored(
    visit: Visit, member: User, data: bytes | None = None, **kwargs: object
) -> MediaEvidence:
    upload = SimpleUploadedFile("photo.png", data or png_bytes(), content_type="image/png")
    return media_add(actor=member, visit=visit, upload=upload, **kwargs)  # type: ignore[arg-type]


def an_interview(actor: User, visit: Visit) -> Interview:
    return interview_record(
        actor=actor, visit=visit, kind=Interview.Kind.INDIVIDUAL, conducted_at=timezone.now(),
        person_code="A-07", consent_interview=True,
    )  # fmt: skip


def a_finding(actor: User, visit: Visit) -> Finding:
    return finding_record(
        actor=actor, visit=visit, theme="material_conditions", title="Переполненность камер",
        description=FACTS, sources=["observation"], severity=Finding.Severity.HIGH,
    )  # fmt: skip


def body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content)


@pytest.mark.slow
def test_a_photo_is_stored_as_sent_with_its_hash_and_chain_of_custody(
    visit: Visit, member: User, client_for: Callable[[User], Client], storage: tuple[Path, Path]
) -> None:
    data = png_bytes()
    digest = hashlib.sha256(data).hexdigest()
    captured = timezone.now().replace(microsecond=0) - timedelta(hours=2)
    response = post_file(
        client_for(member), visit, "IMG_0001.png", data, kind="photo", description="Камера № 3",
        captured_at=timezone.localtime(captured).strftime("%Y-%m-%dT%H:%M:%S"),
        device="Pixel 7", expected_sha256=digest.upper(),
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"/visits/{visit.pk}/media/"
    item = MediaEvidence.objects.get()
    assert item.sha256 == digest and item.size == len(data)
    # The client said application/octet-stream; the content says PNG.
    assert (item.kind, item.content_type) == ("photo", "image/png")
    assert item.file.name == f"evidence/{visit.pk}/{item.uuid}"
    assert (storage[0] / item.file.name).read_bytes() == data
    assert files_in(storage[1]) == []
    events = list(item.custody.order_by("pk"))
    assert [e.kind for e in events] == ["captured", "uploaded", "hash_verified"]
    assert {e.actor for e in events} == {member}
    assert events[0].at == captured and "Pixel 7" in events[0].detail
    assert AuditEvent.objects.filter(object_type="visits.custodyevent").count() == 3


def test_without_device_data_the_upload_alone_starts_the_chain(visit: Visit, member: User) -> None:
    data = png_bytes()
    item = stored(visit, member, data)
    assert item.sha256 == hashlib.sha256(data).hexdigest()
    assert list(item.custody.values_list("kind", flat=True)) == ["uploaded"]


@pytest.mark.parametrize(
    ("head", "kind", "content_type"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "photo", "image/jpeg"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "photo", "image/webp"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "photo", "image/heic"),
        (b"GIF89a\x01\x00\x01\x00", "photo", "image/gif"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01webm", "video", "video/webm"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01webm", "audio", "audio/webm"),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "video", "video/mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "video", "video/quicktime"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio", "audio/mp4"),
        (b"OggS\x00\x02\x00\x00\x00\x00", "audio", "audio/ogg"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio", "audio/mpeg"),
        (b"\xff\xfb\x90\x64\x00\x00\x00\x00", "audio", "audio/mpeg"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio", "audio/wav"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "document", "application/pdf"),
    ],
)
def test_the_content_decides_what_a_file_is(
    visit: Visit, member: User, head: bytes, kind: str, content_type: str
) -> None:
    item = stored(visit, member, head + bytes(200), kind=kind)
    assert (item.kind, item.content_type) == (kind, content_type)


def test_without_a_kind_the_content_chooses_it(visit: Visit, member: User) -> None:
    assert stored(visit, member, b"%PDF-1.4\n" + bytes(100)).kind == "document"


@pytest.mark.parametrize(
    ("name", "data", "found"),
    [
        ("photo.png", "Это не фотография, а текст.\n".encode() * 20, "found: text"),
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(500), "found: a Windows program"),
        ("report.docx", b"PK\x03\x04\x14\x00\x06\x00" + bytes(500), "ZIP archive"),
        ("clip.avi", b"RIFF\x00\x01\x00\x00AVI LIST" + bytes(500), "found: an AVI video"),
        ("scan.tif", b"II*\x00\x08\x00\x00\x00" + bytes(500), "found: a TIFF image"),
        ("song.flac", b"fLaC\x00\x00\x00\x22" + bytes(500), "found: FLAC audio"),
        # Unknown binary content: said in words, not as its first bytes in hexadecimal.
        ("data.bin", b"\x00\x01\x02\x03\x04\x05\x06\x07" + bytes(500), "found: a file of a type"),
    ],
)
def test_unsupported_content_is_refused_whatever_its_name(
    visit: Visit,
    member: User,
    client_for: Callable[[User], Client],
    storage: tuple[Path, Path],
    name: str,
    data: bytes,
    found: str,
) -> None:
    response = post_file(client_for(member), visit, name, data, kind="photo")
    assert response.status_code == 422
    page = response.content.decode()
    assert "This file is not a photo, recording or PDF document Kuzet accepts" in page
    assert found in page
    assert not MediaEvidence.objects.exists()
    assert files_in(storage[0]) == [] and files_in(storage[1]) == []


def test_a_kind_the_content_contradicts_is_refused(
    visit: Visit, member: User, client_for: Callable[[User], Client], storage: tuple[Path, Path]
) -> None:
    response = post_file(client_for(member), visit, "clip.mp4", png_bytes(), kind="video")
    assert response.status_code == 422
    assert "The file&#x27;s content (PNG image) cannot be stored as “video recording”" in (
        response.content.decode()
    )
    assert not MediaEvidence.objects.exists() and files_in(storage[0]) == []


def test_a_device_hash_that_differs_is_refused_naming_both_hashes(
    visit: Visit, member: User, client_for: Callable[[User], Client], storage: tuple[Path, Path]
) -> None:
    data = png_bytes()
    received, claimed = hashlib.sha256(data).hexdigest(), hashlib.sha256(b"other").hexdigest()
    response = post_file(client_for(member), visit, "a.png", data, expected_sha256=claimed)
    assert response.status_code == 422
    page = response.content.decode()
    assert received in page and claimed in page and "nothing was stored" in page
    assert not MediaEvidence.objects.exists() and not CustodyEvent.objects.exists()
    assert files_in(storage[0]) == [] and files_in(storage[1]) == []


def test_an_oversized_file_is_stopped_with_a_clear_message(
    settings: object,
    visit: Visit,
    member: User,
    client_for: Callable[[User], Client],
    storage: tuple[Path, Path],
) -> None:
    settings.KUZET_MEDIA_MAX_BYTES = 4096  # type: ignore[attr-defined]
    data = png_bytes()
    assert len(data) > 4096
    response = post_file(client_for(member), visit, "big.png", data, kind="photo")
    assert response.status_code == 422
    assert "The file is larger than the limit of 4.0\xa0KB; nothing was stored." in (
        response.content.decode()
    )
    assert not MediaEvidence.objects.exists()
    assert files_in(storage[0]) == [] and files_in(storage[1]) == []


def multipart(data: bytes) -> tuple[dict[str, str], io.BytesIO]:
    body = encode_multipart(BOUNDARY, {"kind": "photo", "file": SimpleUploadedFile("a.png", data)})
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}
    return meta, io.BytesIO(body)


def test_the_upload_handler_hashes_as_it_streams_and_stops_at_the_limit(
    settings: object, storage: tuple[Path, Path]
) -> None:
    data = random.Random(1).randbytes(300_000)
    files = MultiPartParser(*multipart(data), [EvidenceUploadHandler()]).parse()[1]
    assert files["file"].sha256 == hashlib.sha256(data).hexdigest()
    assert files["file"].read() == data
    files["file"].close()

    settings.KUZET_MEDIA_MAX_BYTES = 1024  # type: ignore[attr-defined]
    handler = EvidenceUploadHandler()
    fields, files = MultiPartParser(*multipart(data), [handler]).parse()
    assert handler.too_large and "file" not in files and fields["kind"] == "photo"
    # Stopped at the first chunk past the limit, not after the whole body.
    assert handler.received <= 1024 + handler.chunk_size < len(data)
    assert files_in(storage[1]) == []


def test_the_service_refuses_an_oversized_file_too(
    settings: object, visit: Visit, member: User, storage: tuple[Path, Path]
) -> None:
    settings.KUZET_MEDIA_MAX_BYTES = 1024  # type: ignore[attr-defined]
    with pytest.raises(ValidationError) as failure:
        stored(visit, member, png_bytes())
    assert "larger than the limit" in failure.value.message_dict["file"][0]
    assert not MediaEvidence.objects.exists() and files_in(storage[0]) == []


def test_the_upload_needs_the_csrf_token(
    visit: Visit, member: User, client_for: Callable[[User], Client], storage: tuple[Path, Path]
) -> None:
    client = client_for(member)
    client.handler.enforce_csrf_checks = True
    assert post_file(client, visit, "a.png", png_bytes()).status_code == 403
    assert not MediaEvidence.objects.exists() and files_in(storage[0]) == []


def test_if_the_database_part_fails_the_stored_file_is_removed(
    visit: Visit, member: User, storage: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: CustodyEvent, *args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(CustodyEvent, "save", broken)
    with pytest.raises(RuntimeError):
        stored(visit, member)
    assert not MediaEvidence.objects.exists() and files_in(storage[0]) == []


def test_outsiders_can_neither_upload_nor_see_and_are_recorded(
    visit: Visit,
    member: User,
    make_user: Callable[..., User],
    other_region: Region,
    client_for: Callable[[User], Client],
    storage: tuple[Path, Path],
) -> None:
    item = stored(visit, member)
    not_on_team = make_user(Role.PARTICIPANT, username="colleague")
    other_region_user = make_user(Role.PARTICIPANT, region=other_region, username="stranger")
    for user in (not_on_team, other_region_user):
        client = client_for(user)
        # Not found, as for a visit or an item that does not exist (the refusal is audited).
        assert post_file(client, visit, "a.png", png_bytes()).status_code == 404
        assert client.get(file_url(item)).status_code == 404
        assert client.get(f"/visits/{visit.pk}/media/").status_code == 404
    denied = AuditEvent.objects.filter(action="access_denied")
    assert set(denied.values_list("actor_username", "object_type")) == {
        (name, kind)
        for name in ("colleague", "stranger")
        for kind in ("visits.visit", "visits.mediaevidence")
    }
    assert MediaEvidence.objects.count() == 1 and len(files_in(storage[0])) == 1
    assert not item.custody.exclude(kind="uploaded").exists()


def test_the_secretariat_sees_the_evidence_but_does_not_upload(
    visit: Visit, member: User, secretariat: User, client_for: Callable[[User], Client]
) -> None:
    item = stored(visit, member)
    client = client_for(secretariat)
    assert client.get(file_url(item)).status_code == 200
    assert post_file(client, visit, "a.png", png_bytes()).status_code == 403
    assert MediaEvidence.objects.count() == 1


def test_a_coordinator_off_the_team_sees_visit_media_but_not_an_interviews(
    visit: Visit, member: User, coordinator: User, client_for: Callable[[User], Client]
) -> None:
    of_visit = stored(visit, member)
    of_interview = stored(visit, member, interview=an_interview(member, visit))
    client = client_for(coordinator)
    assert client.get(file_url(of_visit)).status_code == 200
    assert client.get(file_url(of_interview)).status_code == 404
    assert AuditEvent.objects.filter(
        action="access_denied", object_type="visits.mediaevidence", object_id=str(of_interview.pk)
    ).exists()
    assert not of_interview.custody.filter(kind="viewed").exists()
    tab = client.get(f"/visits/{visit.pk}/media/")
    assert list(tab.context["items"]) == [of_visit] and tab.context["hidden_count"] == 1
    assert str(of_interview.uuid) not in tab.content.decode()
    assert "interview" not in tab.context["form"].fields
    # The team sees both, and may link to the interview by the person's code.
    team_tab = client_for(member).get(f"/visits/{visit.pk}/media/")
    assert set(team_tab.context["items"]) == {of_visit, of_interview}
    assert client_for(member).get(file_url(of_interview)).status_code == 200
    assert "A-07" in team_tab.content.decode()


def test_viewing_and_downloading_are_custody_events_of_the_actor(
    visit: Visit, member: User, coordinator: User, client_for: Callable[[User], Client]
) -> None:
    data = png_bytes()
    item = stored(visit, member, data)
    client = client_for(coordinator)
    seen = client.get(file_url(item))
    assert seen.status_code == 200 and body(seen) == data
    assert seen["Content-Type"] == "image/png" and seen["X-Content-Type-Options"] == "nosniff"
    assert seen["Content-Disposition"].startswith("inline")
    assert seen["Content-Length"] == str(len(data))
    fetched = client.get(file_url(item) + "?download=1")
    assert body(fetched) == data
    assert fetched["Content-Disposition"] == f'attachment; filename="photo-{item.uuid}.png"'
    events = item.custody.exclude(kind="uploaded").order_by("pk")
    assert [(e.kind, e.actor) for e in events] == [
        ("viewed", coordinator),
        ("downloaded", coordinator),
    ]


def test_a_byte_range_is_served_for_seeking_and_recorded(
    visit: Visit, member: User, client_for: Callable[[User], Client]
) -> None:
    data = png_bytes()
    item = stored(visit, member, data)
    client = client_for(member)
    part = client.get(file_url(item), HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206 and body(part) == data[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{len(data)}" and part["Content-Length"] == "10"
    tail = client.get(file_url(item), HTTP_RANGE="bytes=-5")
    assert tail.status_code == 206 and body(tail) == data[-5:]
    beyond = client.get(file_url(item), HTTP_RANGE=f"bytes={len(data)}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(data)}"
    stale = client.get(file_url(item), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"other"')
    assert stale.status_code == 200 and body(stale) == data
    details = list(item.custody.filter(kind="viewed").values_list("detail", flat=True))
    assert details == [f"bytes 10-19/{len(data)}", f"bytes {len(data) - 5}-{len(data) - 1}/{len(data)}", ""]  # fmt: skip


def test_an_unknown_item_is_404(member: User, client_for: Callable[[User], Client]) -> None:
    response = client_for(member).get("/visits/media/8c8e3a4f-0000-4000-8000-000000000000/")
    assert response.status_code == 404


def test_media_open_refuses_who_may_not_see(
    visit: Visit, member: User, make_user: Callable[..., User]
) -> None:
    item = stored(visit, member)
    with pytest.raises(PermissionDenied):
        media_open(actor=make_user(Role.PARTICIPANT), media=item, download=False)
    with media_open(actor=member, media=item, download=True) as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == item.sha256
    assert list(item.custody.values_list("kind", flat=True)) == ["uploaded", "downloaded"]


def test_evidence_is_never_changed_or_deleted(visit: Visit, member: User) -> None:
    item = stored(visit, member, description="Камера № 3")
    item.description = "Камера № 4"
    with pytest.raises(ImmutableEvidenceError):
        item.save()
    with pytest.raises(ImmutableEvidenceError):
        item.delete()
    assert MediaEvidence.objects.get().description == "Камера № 3"


def test_the_media_tab_lists_items_with_previews_and_custody(
    visit: Visit, member: User, client_for: Callable[[User], Client]
) -> None:
    item = stored(visit, member, finding=a_finding(member, visit))
    response = client_for(member).get(f"/visits/{visit.pk}/media/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<img src="/visits/media/{item.uuid}/"' in page
    assert f'title="{item.sha256}"' in page and "Переполненность камер" in page
    assert "Chain of custody (1)" in page and 'enctype="multipart/form-data"' in page


def test_a_finding_of_another_visit_is_refused(
    visit: Visit,
    member: User,
    coordinator: User,
    leader: User,
    client_for: Callable[[User], Client],
    storage: tuple[Path, Path],
) -> None:
    elsewhere = visit_plan(
        actor=coordinator, institution=InstitutionFactory(), planned_date=visit.planned_date,
        team=[TeamPlace(leader, TeamMember.Role.LEADER), TeamPlace(member, TeamMember.Role.MEMBER)],
    )  # fmt: skip
    foreign = a_finding(member, elsewhere)
    with pytest.raises(ValidationError) as failure:
        stored(visit, member, finding=foreign)
    assert "finding" in failure.value.message_dict
    response = post_file(client_for(member), visit, "a.png", png_bytes(), finding=foreign.pk)
    assert response.status_code == 422
    assert not MediaEvidence.objects.exists() and files_in(storage[0]) == []


def test_an_approved_visit_takes_no_new_evidence(
    visit: Visit, member: User, client_for: Callable[[User], Client], storage: tuple[Path, Path]
) -> None:
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.APPROVED)
    visit.refresh_from_db()
    with pytest.raises(ValidationError):
        stored(visit, member)
    response = post_file(client_for(member), visit, "a.png", png_bytes())
    assert response.status_code == 422
    assert "This visit is approved; changes are amendments." in response.content.decode()
    assert not MediaEvidence.objects.exists() and files_in(storage[0]) == []


def test_the_file_name_and_description_are_encrypted_at_rest_and_shown_on_the_page(
    visit: Visit, member: User, client_for: Callable[[User], Client], storage: tuple[Path, Path]
) -> None:
    from django.db import connection

    client = client_for(member)
    post_file(
        client, visit, "Ivanov_Ivan.png", png_bytes(), kind="photo", description="Marker Zhumabek"
    )
    item = MediaEvidence.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT original_name, description FROM visits_mediaevidence WHERE id = %s",
            [item.pk],
        )
        raw = " ".join(cursor.fetchone())
    assert "Ivanov" not in raw and "Zhumabek" not in raw
    page = client.get(f"/visits/{visit.pk}/media/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Marker Zhumabek" in page  # the list shows the description, not the file name
    assert item.original_name == "Ivanov_Ivan.png"
