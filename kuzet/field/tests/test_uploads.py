"""Resumable uploads (tus 1.0.0) through HTTP, as a tablet sends them: chunks with
checksums, resuming from the server's offset, the whole file's SHA-256 checked before
anything becomes evidence, and every kind of bad input refused with a problem document."""

import base64
import hashlib
import io
import json
import os
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kuzet.field.models import Upload, UploadChunk
from kuzet.field.tests.device import Device, interview_record
from kuzet.people.models import User
from kuzet.visits.models import CustodyEvent, MediaEvidence, Visit
from kuzet.visits.tests.test_media import a_finding

pytestmark = pytest.mark.django_db
UPLOADS = "/api/v1/uploads/"
CHUNK_TYPE = "application/offset+octet-stream"
# A file name can name a person: it must never come back in an answer.
PERSONAL_NAME = "Серикбаев Арман — обращение.webm"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


def webm(size: int) -> bytes:
    """Bytes that read as a WebM recording (its signature, then noise)."""
    return b"\x1a\x45\xdf\xa3" + os.urandom(size - 4)


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def metadata(**values: str) -> str:
    return ",".join(f"{key} {b64(value)}" for key, value in values.items())


def files_under(root: Path, folder: str) -> list[Path]:
    return [p for p in (root / folder).rglob("*") if p.is_file()]


class Tus:
    """A tus client over Django's test client, with a device token."""

    def __init__(self, device: Device, client: Client | None = None) -> None:
        self.device = device
        self.client = client or Client()

    def headers(self, **extra: str) -> dict[str, str]:
        return {
            "HTTP_AUTHORIZATION": f"Bearer {self.device.token}",
            "HTTP_ACCEPT_LANGUAGE": "en",
            "HTTP_TUS_RESUMABLE": "1.0.0",
            **extra,
        }

    def create(self, data: bytes, target: Visit, media_uuid: str = "", **meta: str) -> Any:
        values = {
            "filename": PERSONAL_NAME,
            "filetype": "video/webm",
            "media_uuid": media_uuid or str(uuid.uuid4()),
            "visit": str(target.pk),
            "kind": "video",
            "sha256": hashlib.sha256(data).hexdigest(),
            "captured_at": "2026-11-20T10:30:00+05:00",
            "device": "Tablet 3",
            **meta,
        }
        values = {k: v for k, v in values.items() if v != "-"}
        return self.client.generic(
            "POST",
            UPLOADS,
            b"",
            **self.headers(
                HTTP_UPLOAD_LENGTH=str(len(data)), HTTP_UPLOAD_METADATA=metadata(**values)
            ),
        )

    def patch(self, url: str, offset: int, chunk: bytes, checksum: str = "", **extra: str) -> Any:
        headers = self.headers(HTTP_UPLOAD_OFFSET=str(offset), **extra)
        if checksum:
            headers["HTTP_UPLOAD_CHECKSUM"] = checksum
        return self.client.generic("PATCH", url, chunk, content_type=CHUNK_TYPE, **headers)

    def head(self, url: str) -> Any:
        return self.client.head(url, **self.headers())

    def delete(self, url: str) -> Any:
        return self.client.delete(url, **self.headers())

    def send(self, url: str, data: bytes, chunk: int, start: int = 0) -> Any:
        """Send ``data`` from ``start`` in chunks, each with its SHA-1; the last answer."""
        offset, reply = start, None
        while offset < len(data):
            piece = data[offset : offset + chunk]
            reply = self.patch(url, offset, piece, sha1(piece))
            assert reply.status_code == 204, reply.content
            offset = int(reply["Upload-Offset"])
        return reply


class Dropped(io.RawIOBase):
    """A request body whose connection drops after ``data``."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        if not self.data:
            raise ConnectionResetError("the tablet went out of range")
        piece, self.data = self.data[:size], self.data[size:]
        return piece


def sha1(chunk: bytes) -> str:
    return "sha1 " + base64.b64encode(hashlib.sha1(chunk).digest()).decode()  # noqa: S324


def sha256(chunk: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(chunk).digest()).decode()


@pytest.fixture
def tus_for(device_for: Callable[[User], Device]) -> Callable[[User], Tus]:
    return lambda user: Tus(device_for(user))


def assert_problem(reply: Any, status: int, code: str) -> dict[str, Any]:
    assert reply.status_code == status, reply.content
    assert reply["Content-Type"] == "application/problem+json"
    assert reply["Tus-Resumable"] == "1.0.0"
    if reply.request["REQUEST_METHOD"] == "HEAD":
        assert reply.content == b""  # a HEAD answer has no body
        return {}
    body: dict[str, Any] = reply.json()
    assert body["code"] == code and body["status"] == status
    assert PERSONAL_NAME not in reply.content.decode()
    return body


def test_options_advertise_the_protocol_without_a_token(client: Client, settings: Any) -> None:
    settings.KUZET_MEDIA_MAX_BYTES = 10 * 1024 * 1024
    reply = client.options(UPLOADS)
    assert reply.status_code == 204
    assert reply["Tus-Version"] == "1.0.0"
    assert set(reply["Tus-Extension"].split(",")) == {
        "creation",
        "checksum",
        "termination",
        "expiration",
    }
    assert reply["Tus-Max-Size"] == str(10 * 1024 * 1024)
    assert set(reply["Tus-Checksum-Algorithm"].split(",")) == {"sha1", "sha256"}
    assert "Tus-Resumable" not in reply


def test_a_recording_sent_in_chunks_becomes_evidence_with_its_chain_of_custody(
    visit: Visit, member: User, tus_for: Callable[[User], Tus], media_root: Path
) -> None:
    tus = tus_for(member)
    data = webm(300_000)
    media_uuid = str(uuid.uuid4())
    created = tus.create(data, visit, media_uuid)
    assert created.status_code == 201, created.content
    url = created["Location"]
    assert url == f"{UPLOADS}{media_uuid}"
    assert created["Upload-Offset"] == "0" and created["Tus-Resumable"] == "1.0.0"
    assert created["Upload-Expires"].endswith("GMT")

    first = tus.patch(url, 0, data[:100_000], sha1(data[:100_000]))
    assert first.status_code == 204 and first["Upload-Offset"] == "100000"
    assert "Kuzet-Media" not in first
    second = tus.patch(url, 100_000, data[100_000:200_000], sha256(data[100_000:200_000]))
    assert second.status_code == 204 and second["Upload-Offset"] == "200000"
    assert not MediaEvidence.objects.exists()
    last = tus.patch(url, 200_000, data[200_000:])
    assert last.status_code == 204 and last["Upload-Offset"] == str(len(data))
    assert last["Kuzet-Media"] == media_uuid

    item = MediaEvidence.objects.get()
    assert str(item.uuid) == media_uuid and item.visit == visit
    assert item.kind == "video" and item.content_type == "video/webm"  # kept as received
    assert item.size == len(data) and item.sha256 == hashlib.sha256(data).hexdigest()
    assert item.file.name == f"evidence/{visit.pk}/{media_uuid}"
    assert (media_root / item.file.name).read_bytes() == data
    assert item.original_name == PERSONAL_NAME and item.device == "Tablet 3"
    assert item.uploaded_by == member
    events = {e.kind: e for e in item.custody.all()}
    assert set(events) == {"captured", "uploaded", "hash_verified"}
    assert events["captured"].at.isoformat() == "2026-11-20T05:30:00+00:00"  # the device's time
    assert events["uploaded"].actor == member and events["hash_verified"].actor == member
    assert item.sha256 in events["hash_verified"].detail
    # Nothing of the transfer is left: the chunks were deleted once assembled.
    assert files_under(media_root, "uploads") == []
    assert not UploadChunk.objects.exists()

    receipt = tus.device.get(f"/field/receipts/{media_uuid}")
    assert receipt.status_code == 200
    assert receipt.json() | {"received_at": None} == {
        "uuid": media_uuid,
        "hash": hashlib.sha256(data).hexdigest(),
        "received_at": None,
        "type": "media",
        "object_id": item.pk,
    }
    head = tus.head(url)
    assert head.status_code == 200 and head["Upload-Offset"] == str(len(data))
    assert head["Kuzet-Media"] == media_uuid


def test_head_gives_the_offset_to_resume_from_in_a_new_session(
    visit: Visit, member: User, tus_for: Callable[[User], Tus]
) -> None:
    tus = tus_for(member)
    data = webm(50_000)
    url = tus.create(data, visit)["Location"]
    assert tus.patch(url, 0, data[:20_000]).status_code == 204

    later = Tus(tus.device, Client())  # the tablet started again
    head = later.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head["Upload-Offset"] == "20000" and head["Upload-Length"] == "50000"
    assert head["Cache-Control"] == "no-store" and head["Tus-Resumable"] == "1.0.0"
    assert "Upload-Expires" in head
    later.send(url, data, 7_000, start=int(head["Upload-Offset"]))
    assert MediaEvidence.objects.get().sha256 == hashlib.sha256(data).hexdigest()


def test_a_damaged_chunk_is_refused_with_460_and_nothing_of_it_kept(
    visit: Visit, member: User, tus_for: Callable[[User], Tus], media_root: Path
) -> None:
    tus = tus_for(member)
    data = webm(40_000)
    url = tus.create(data, visit)["Location"]
    assert tus.patch(url, 0, data[:10_000], sha1(data[:10_000])).status_code == 204
    damaged = bytearray(data[10_000:20_000])
    damaged[500] ^= 0xFF
    reply = tus.patch(url, 10_000, bytes(damaged), sha1(data[10_000:20_000]))
    assert_problem(reply, 460, "checksum_mismatch")
    assert tus.head(url)["Upload-Offset"] == "10000"
    assert len(files_under(media_root, "uploads")) == 1  # the first chunk only

    reply = tus.send(url, data, 10_000, start=10_000)
    assert MediaEvidence.objects.get().sha256 == hashlib.sha256(data).hexdigest()
    assert (media_root / MediaEvidence.objects.get().file.name).read_bytes() == data


def test_a_file_whose_hash_differs_from_the_devices_is_refused_and_nothing_stored(
    visit: Visit, member: User, tus_for: Callable[[User], Tus], media_root: Path
) -> None:
    tus = tus_for(member)
    data = webm(30_000)
    media_uuid = str(uuid.uuid4())
    claimed = hashlib.sha256(b"what the device recorded").hexdigest()
    url = tus.create(data, visit, media_uuid, sha256=claimed)["Location"]
    assert tus.patch(url, 0, data[:15_000]).status_code == 204
    reply = tus.patch(url, 15_000, data[15_000:])
    body = assert_problem(reply, 422, "hash_mismatch")
    assert body["expected"] == claimed
    assert body["received"] == hashlib.sha256(data).hexdigest()
    assert claimed in body["title"] and body["received"] in body["title"]
    assert not MediaEvidence.objects.exists() and not Upload.objects.exists()
    assert [p for p in media_root.rglob("*") if p.is_file()] == []
    assert_problem(tus.head(url), 404, "not_found")
    assert tus.device.get(f"/field/receipts/{media_uuid}").status_code == 404
    # The device kept its copy and sends it again, under the same identifier.
    again = tus.create(data, visit, media_uuid)
    assert again.status_code == 201 and again["Upload-Offset"] == "0"
    tus.send(again["Location"], data, 30_000)
    assert str(MediaEvidence.objects.get().uuid) == media_uuid


def test_creating_the_same_item_again_answers_the_same_upload_never_a_duplicate(
    visit: Visit, member: User, tus_for: Callable[[User], Tus]
) -> None:
    tus = tus_for(member)
    data = webm(20_000)
    media_uuid = str(uuid.uuid4())
    url = tus.create(data, visit, media_uuid)["Location"]
    tus.patch(url, 0, data[:5_000])
    again = tus.create(data, visit, media_uuid)
    assert again.status_code == 201
    assert again["Location"] == url and again["Upload-Offset"] == "5000"
    tus.send(url, data, 20_000, start=5_000)
    done = tus.create(data, visit, media_uuid)
    assert done.status_code == 201 and done["Location"] == url
    assert done["Upload-Offset"] == "20000" and done["Kuzet-Media"] == media_uuid
    # Still answered once the transfer state has expired and been cleaned up.
    Upload.objects.update(expires_at=timezone.now() - timedelta(hours=1))
    call_command("expire_uploads", stdout=io.StringIO())
    assert not Upload.objects.exists()
    later = tus.create(data, visit, media_uuid)
    assert later.status_code == 201 and later["Kuzet-Media"] == media_uuid
    assert tus.head(url)["Upload-Offset"] == "20000"
    assert MediaEvidence.objects.count() == 1 and Upload.objects.count() == 0


def test_an_identifier_taken_by_other_content_or_another_user_is_a_conflict(
    visit: Visit, member: User, leader: User, tus_for: Callable[[User], Tus]
) -> None:
    tus = tus_for(member)
    data = webm(10_000)
    media_uuid = str(uuid.uuid4())
    url = tus.create(data, visit, media_uuid)["Location"]
    body = assert_problem(tus.create(webm(10_000), visit, media_uuid), 409, "conflict")
    assert "hash" not in body
    tus.send(url, data, 10_000)
    body = assert_problem(tus.create(webm(10_000), visit, media_uuid), 409, "conflict")
    assert body["hash"] == hashlib.sha256(data).hexdigest()
    body = assert_problem(tus_for(leader).create(data, visit, media_uuid), 409, "conflict")
    assert "hash" not in body


def test_only_the_uploads_creator_sees_continues_or_deletes_it(
    visit: Visit, member: User, leader: User, tus_for: Callable[[User], Tus]
) -> None:
    tus, other = tus_for(member), tus_for(leader)
    data = webm(10_000)
    media_uuid = str(uuid.uuid4())
    url = tus.create(data, visit, media_uuid)["Location"]
    assert_problem(other.head(url), 404, "not_found")
    assert_problem(other.patch(url, 0, data), 404, "not_found")
    assert_problem(other.delete(url), 404, "not_found")
    tus.send(url, data, 10_000)
    assert_problem(other.head(url), 404, "not_found")
    assert other.device.get(f"/field/receipts/{media_uuid}").status_code == 404


def test_termination_deletes_an_unfinished_upload_but_never_evidence(
    visit: Visit, member: User, tus_for: Callable[[User], Tus], media_root: Path
) -> None:
    tus = tus_for(member)
    data = webm(10_000)
    url = tus.create(data, visit)["Location"]
    tus.patch(url, 0, data[:4_000])
    reply = tus.delete(url)
    assert reply.status_code == 204 and reply["Tus-Resumable"] == "1.0.0"
    assert files_under(media_root, "uploads") == [] and not Upload.objects.exists()
    assert_problem(tus.head(url), 404, "not_found")

    url = tus.create(data, visit)["Location"]
    tus.send(url, data, 10_000)
    assert_problem(tus.delete(url), 403, "evidence_immutable")
    assert MediaEvidence.objects.count() == 1


def test_an_expired_upload_is_refused_then_removed_by_expire_uploads(
    visit: Visit, member: User, tus_for: Callable[[User], Tus], media_root: Path, settings: Any
) -> None:
    settings.KUZET_UPLOAD_EXPIRY_HOURS = 2
    tus = tus_for(member)
    data = webm(10_000)
    url = tus.create(data, visit)["Location"]
    reply = tus.patch(url, 0, data[:4_000])
    upload = Upload.objects.get()
    assert timedelta(hours=1) < upload.expires_at - timezone.now() <= timedelta(hours=2)
    Upload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_problem(tus.head(url), 410, "upload_expired")
    assert_problem(tus.patch(url, 4_000, data[4_000:]), 410, "upload_expired")
    assert reply.status_code == 204 and files_under(media_root, "uploads")
    out = io.StringIO()
    call_command("expire_uploads", stdout=out)
    assert "1 expired upload" in out.getvalue()
    assert files_under(media_root, "uploads") == [] and not Upload.objects.exists()
    assert_problem(tus.head(url), 404, "not_found")
    assert not MediaEvidence.objects.exists()
    # The timer's run repeated (a missed run caught up, a second server): nothing more.
    again = io.StringIO()
    call_command("expire_uploads", stdout=again)
    assert "0 expired upload" in again.getvalue()


def test_a_chunk_at_the_wrong_offset_is_409_with_the_servers_offset(
    visit: Visit, member: User, tus_for: Callable[[User], Tus]
) -> None:
    tus = tus_for(member)
    data = webm(10_000)
    url = tus.create(data, visit)["Location"]
    tus.patch(url, 0, data[:3_000])
    reply = tus.patch(url, 0, data[:3_000])
    body = assert_problem(reply, 409, "offset_mismatch")
    assert body["offset"] == 3_000 and reply["Upload-Offset"] == "3000"
    assert_problem(tus.patch(url, 5_000, data[5_000:]), 409, "offset_mismatch")
    assert tus.head(url)["Upload-Offset"] == "3000"


def test_a_chunk_past_the_announced_length_is_refused(
    visit: Visit, member: User, tus_for: Callable[[User], Tus], media_root: Path
) -> None:
    tus = tus_for(member)
    data = webm(10_000)
    url = tus.create(data, visit)["Location"]
    assert_problem(tus.patch(url, 0, data + b"more"), 413, "past_upload_length")
    assert tus.head(url)["Upload-Offset"] == "0"
    assert files_under(media_root, "uploads") == [] and not MediaEvidence.objects.exists()


def test_bad_chunk_headers_are_refused(
    visit: Visit, member: User, tus_for: Callable[[User], Tus]
) -> None:
    tus = tus_for(member)
    data = webm(10_000)
    url = tus.create(data, visit)["Location"]
    wrong_type = tus.client.generic(
        "PATCH", url, data, content_type="application/octet-stream",
        **tus.headers(HTTP_UPLOAD_OFFSET="0"),
    )  # fmt: skip
    assert_problem(wrong_type, 415, "unsupported_media_type")
    assert_problem(tus.patch(url, 0, data, "md5 AAAA"), 400, "invalid_checksum")
    assert_problem(tus.patch(url, 0, data, "sha1 not-base64!"), 400, "invalid_checksum")
    no_offset = tus.client.generic(
        "PATCH", url, data, content_type=CHUNK_TYPE, **tus.headers(HTTP_UPLOAD_OFFSET="-1")
    )
    assert_problem(no_offset, 400, "invalid_offset")
    assert tus.head(url)["Upload-Offset"] == "0"


def test_unknown_uploads_and_missing_protocol_versions(
    visit: Visit, member: User, tus_for: Callable[[User], Tus], client: Client
) -> None:
    tus = tus_for(member)
    assert_problem(tus.head(f"{UPLOADS}{uuid.uuid4()}"), 404, "not_found")
    assert_problem(tus.patch(f"{UPLOADS}{uuid.uuid4()}", 0, b"x"), 404, "not_found")
    assert_problem(tus.head(f"{UPLOADS}not-a-uuid"), 404, "not_found")
    for version in ({}, {"HTTP_TUS_RESUMABLE": "0.2.2"}):
        reply = client.generic(
            "POST", UPLOADS, b"", HTTP_AUTHORIZATION=f"Bearer {tus.device.token}", **version
        )
        assert reply.status_code == 412 and reply["Tus-Version"] == "1.0.0"
        assert reply["Tus-Resumable"] == "1.0.0"
    reply = client.generic("POST", UPLOADS, b"", HTTP_TUS_RESUMABLE="1.0.0")
    assert_problem(reply, 401, "token_missing")
    assert_problem(client.get(UPLOADS, HTTP_TUS_RESUMABLE="1.0.0"), 405, "method_not_allowed")


def test_creation_refuses_bad_lengths_and_metadata(
    visit: Visit, member: User, tus_for: Callable[[User], Tus], settings: Any
) -> None:
    settings.KUZET_MEDIA_MAX_BYTES = 64 * 1024
    tus = tus_for(member)
    body = assert_problem(tus.create(webm(64 * 1024 + 1), visit), 413, "too_large")
    assert body["max_bytes"] == 64 * 1024 and "64.0" in body["title"]

    not_base64 = tus.client.generic(
        "POST", UPLOADS, b"",
        **tus.headers(HTTP_UPLOAD_LENGTH="10", HTTP_UPLOAD_METADATA="filename ***,visit MQ=="),
    )  # fmt: skip
    assert_problem(not_base64, 400, "malformed_metadata")
    no_length = tus.client.generic(
        "POST", UPLOADS, b"", **tus.headers(HTTP_UPLOAD_METADATA=metadata(visit="1"))
    )
    assert_problem(no_length, 400, "invalid_upload_length")

    body = assert_problem(
        tus.create(webm(100), visit, media_uuid="-", sha256="abc", captured_at="yesterday"),
        422,
        "invalid_request",
    )
    assert set(body["fields"]) == {"media_uuid", "sha256", "captured_at"}
    # A time without its offset from UTC is refused, not guessed in some zone.
    naive = tus.create(webm(100), visit, captured_at="2026-11-20T10:30:00")
    body = assert_problem(naive, 422, "invalid_request")
    assert set(body["fields"]) == {"captured_at"}
    assert "offset from UTC" in body["fields"]["captured_at"][0]
    body = assert_problem(tus.create(b"", visit), 422, "invalid_upload")
    body = assert_problem(tus.create(webm(100), visit, kind="hologram"), 422, "invalid_request")
    assert set(body["fields"]) == {"kind"}
    future = (timezone.now() + timedelta(days=2)).isoformat()
    body = assert_problem(tus.create(webm(100), visit, captured_at=future), 422, "invalid_upload")
    assert set(body["fields"]) == {"captured_at"}
    assert not Upload.objects.exists()


def test_a_visit_the_token_may_not_record_on_is_refused_at_creation(
    visit: Visit, participant: User, tus_for: Callable[[User], Tus]
) -> None:
    """``participant`` works in the visit's region but is not on its team."""
    tus = tus_for(participant)
    assert_problem(tus.create(webm(1000), visit), 403, "access_denied")
    assert_problem(tus.create(webm(1000), visit, visit="999999"), 403, "access_denied")
    assert not Upload.objects.exists()


def test_content_that_is_not_evidence_is_refused_at_completion_and_nothing_kept(
    visit: Visit, member: User, tus_for: Callable[[User], Tus], media_root: Path
) -> None:
    tus = tus_for(member)
    data = b"MZ" + os.urandom(5_000)  # a Windows program
    url = tus.create(data, visit, kind="-")["Location"]
    body = assert_problem(tus.patch(url, 0, data), 422, "invalid_upload")
    assert "a Windows program" in body["detail"]
    assert [p for p in media_root.rglob("*") if p.is_file()] == []
    assert not Upload.objects.exists() and not MediaEvidence.objects.exists()


def test_an_item_links_to_a_synced_interview_for_the_team_only(
    visit: Visit, member: User, coordinator: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    rec = interview_record(visit)
    assert device.submit(rec).status_code == 201
    tus = Tus(device)
    data = webm(5_000)
    body = assert_problem(
        tus.create(data, visit, record=str(uuid.uuid4())), 422, "missing_reference"
    )
    assert len(body["references"]) == 1
    url = tus.create(data, visit, record=rec["uuid"])["Location"]
    tus.send(url, data, 5_000)
    item = MediaEvidence.objects.get()
    assert item.interview is not None and item.interview.person.code == "A-07"

    # The region's coordinator may record, but not see who was interviewed.
    body = assert_problem(
        Tus(device_for(coordinator)).create(webm(5_000), visit, record=rec["uuid"]),
        422,
        "invalid_upload",
    )
    assert set(body["fields"]) == {"interview"}


def test_a_video_appeal_keeps_the_persons_consent(
    visit: Visit, member: User, tus_for: Callable[[User], Tus]
) -> None:
    tus = tus_for(member)
    data = webm(5_000)
    consent = {"recorded": True, "shown_to": ["prosecutor", "commissioner"]}
    url = tus.create(data, visit, appeal_consent=json.dumps(consent))["Location"]
    tus.send(url, data, 5_000)
    assert MediaEvidence.objects.get().appeal_consent == consent

    for wrong in ({"recorded": False, "shown_to": []}, {"shown_to": ["family"]}):
        body = assert_problem(
            tus.create(webm(500), visit, appeal_consent=json.dumps(wrong)), 422, "invalid_upload"
        )
        assert set(body["fields"]) == {"appeal_consent"}
    body = assert_problem(
        tus.create(webm(500), visit, kind="audio", appeal_consent=json.dumps(consent)),
        422,
        "invalid_upload",
    )
    body = assert_problem(
        tus.create(webm(500), visit, appeal_consent="{not json"), 422, "invalid_request"
    )
    assert MediaEvidence.objects.count() == 1


def test_a_chunk_cut_short_is_kept_without_a_checksum_and_dropped_with_one(
    visit: Visit, member: User, tus_for: Callable[[User], Tus]
) -> None:
    """A connection lost mid-chunk: the bytes that arrived count, unless a checksum says
    the chunk must arrive whole."""
    tus = tus_for(member)
    data = webm(10_000)
    url = tus.create(data, visit)["Location"]
    headers = tus.headers(HTTP_UPLOAD_OFFSET="0", HTTP_UPLOAD_CHECKSUM=sha1(data[:6_000]))
    # Content-Length says 6,000 bytes; 2,500 arrive before the connection drops.
    cut = tus.client.generic(
        "PATCH", url, data[:6_000], content_type=CHUNK_TYPE,
        **{**headers, "wsgi.input": Dropped(data[:2_500])},
    )  # fmt: skip
    assert_problem(cut, 400, "incomplete_body")
    assert tus.head(url)["Upload-Offset"] == "0"
    del headers["HTTP_UPLOAD_CHECKSUM"]
    cut = tus.client.generic(
        "PATCH", url, data[:6_000], content_type=CHUNK_TYPE,
        **{**headers, "wsgi.input": Dropped(data[:2_500])},
    )  # fmt: skip
    assert cut.status_code == 204 and cut["Upload-Offset"] == "2500"
    tus.send(url, data, 10_000, start=2_500)
    assert MediaEvidence.objects.get().sha256 == hashlib.sha256(data).hexdigest()


def test_an_approved_visit_refuses_the_last_chunk_and_nothing_becomes_evidence(
    visit: Visit, member: User, tus_for: Callable[[User], Tus], media_root: Path
) -> None:
    tus = tus_for(member)
    data = webm(10_000)
    url = tus.create(data, visit)["Location"]
    tus.patch(url, 0, data[:5_000])
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.APPROVED)
    assert_problem(tus.patch(url, 5_000, data[5_000:]), 403, "visit_locked")
    assert [p for p in media_root.rglob("*") if p.is_file()] == []
    assert not MediaEvidence.objects.exists() and not CustodyEvent.objects.exists()


def test_of_two_requests_at_one_offset_one_wins_and_the_other_is_409(
    visit: Visit, member: User, tus_for: Callable[[User], Tus], media_root: Path
) -> None:
    """The tablet retried a chunk while the first attempt was still arriving."""
    tus = tus_for(member)
    data = webm(10_000)
    url = tus.create(data, visit)["Location"]

    class Overtaken(io.RawIOBase):
        """A slow body: before it arrives, a retry of the same chunk is accepted."""

        def __init__(self) -> None:
            self.rest: bytes | None = None

        def read(self, size: int = -1) -> bytes:
            if self.rest is None:
                retry = Tus(tus.device, Client()).patch(url, 0, data[:4_000])
                assert retry.status_code == 204
                self.rest = data[:4_000]
            piece, self.rest = self.rest[:size], self.rest[size:]
            return piece

    slow = tus.client.generic(
        "PATCH", url, data[:4_000], content_type=CHUNK_TYPE,
        **tus.headers(HTTP_UPLOAD_OFFSET="0", **{"wsgi.input": Overtaken()}),
    )  # fmt: skip
    body = assert_problem(slow, 409, "offset_mismatch")
    assert body["offset"] == 4_000
    assert UploadChunk.objects.count() == 1
    assert len(files_under(media_root, "uploads")) == 1  # the loser's bytes were dropped
    tus.send(url, data, 10_000, start=4_000)
    assert (media_root / MediaEvidence.objects.get().file.name).read_bytes() == data


class WebTus(Tus):
    """The media tab's uploader (visits/upload.js): the page's session and CSRF token
    instead of a device token."""

    def __init__(self, client: Client, csrf: str) -> None:
        self.client, self.csrf = client, csrf

    def headers(self, **extra: str) -> dict[str, str]:
        return {
            "HTTP_ACCEPT_LANGUAGE": "en",
            "HTTP_TUS_RESUMABLE": "1.0.0",
            "HTTP_X_CSRFTOKEN": self.csrf,
            **extra,
        }


def web_tus(client_for: Callable[[User], Client], user: User, visit: Visit) -> WebTus:
    signed_in = client_for(user)
    signed_in.handler.enforce_csrf_checks = True
    page = signed_in.get(f"/visits/{visit.pk}/media/")
    assert page.status_code == 200 and 'id="media-upload"' in page.content.decode()
    return WebTus(signed_in, signed_in.cookies["csrftoken"].value)


def test_a_web_page_uploads_with_its_session_resumes_and_keeps_the_description(
    visit: Visit, member: User, client_for: Callable[[User], Client], media_root: Path
) -> None:
    tus = web_tus(client_for, member, visit)
    data = webm(300_000)
    finding = a_finding(member, visit)
    created = tus.create(
        data, visit, "", description="Камера № 4, вид от двери", finding=str(finding.pk)
    )
    assert created.status_code == 201, created.content
    url = created["Location"]
    first = tus.patch(url, 0, data[:100_000])
    assert first.status_code == 204 and first["Upload-Offset"] == "100000"
    # The connection was lost: the page asks where the server stands and continues.
    assert tus.head(url)["Upload-Offset"] == "100000"
    last = tus.send(url, data, 100_000, start=100_000)
    item = MediaEvidence.objects.get(uuid=last["Kuzet-Media"])
    assert item.sha256 == hashlib.sha256(data).hexdigest() and item.size == len(data)
    assert item.description == "Камера № 4, вид от двери" and item.finding == finding
    assert item.uploaded_by == member
    assert Upload.objects.get(media=item).device_token is None
    # Back on the tab, the page says what was stored (once).
    back = tus.client.get(f"/visits/{visit.pk}/media/?uploaded={item.uuid}")
    assert back.status_code == 302 and back["Location"] == f"/visits/{visit.pk}/media/"
    assert item.sha256 in tus.client.get(back["Location"]).content.decode()


def test_a_web_upload_needs_the_pages_csrf_token_and_a_finding_of_the_visit(
    visit: Visit, member: User, client_for: Callable[[User], Client], media_root: Path
) -> None:
    tus = web_tus(client_for, member, visit)
    data = webm(1000)
    forged = WebTus(tus.client, "not-the-token")
    assert_problem(forged.create(data, visit), 403, "csrf_failed")
    body = assert_problem(tus.create(data, visit, finding="999999"), 422, "invalid_upload")
    assert body["fields"] == {"finding": ["This visit has no such finding."]}
    # Signed out, the page's request is a device's without a token.
    tus.client.logout()
    assert_problem(tus.create(data, visit), 401, "token_missing")
    assert not Upload.objects.exists() and not MediaEvidence.objects.exists()


def test_on_the_filesystem_each_chunk_is_written_once_into_one_file_that_becomes_the_evidence(
    visit: Visit, member: User, tus_for: Callable[[User], Tus], media_root: Path
) -> None:
    """No chunk objects to read back and copy: the chunks go into the upload's one file, at
    their offsets, and the verified file is linked as the evidence file, not copied."""
    tus = tus_for(member)
    data = webm(50_000)
    media_uuid = str(uuid.uuid4())
    url = tus.create(data, visit, media_uuid)["Location"]
    assert tus.patch(url, 0, data[:20_000], sha1(data[:20_000])).status_code == 204
    # A checksummed chunk cut short: what arrived is not counted, the next one overwrites it.
    cut = tus.client.generic(
        "PATCH", url, data[20_000:30_000], content_type=CHUNK_TYPE,
        **tus.headers(
            HTTP_UPLOAD_OFFSET="20000",
            HTTP_UPLOAD_CHECKSUM=sha1(data[20_000:30_000]),
            **{"wsgi.input": Dropped(b"\0" * 4_000)},
        ),
    )  # fmt: skip
    assert_problem(cut, 400, "incomplete_body")
    assert tus.head(url)["Upload-Offset"] == "20000"
    stored = files_under(media_root, "uploads")
    assert stored == [media_root / "uploads" / media_uuid / "data"]
    inode = stored[0].stat().st_ino
    assert stored[0].read_bytes() == data[:20_000] + b"\0" * 4_000
    tus.send(url, data, 10_000, start=20_000)

    item = MediaEvidence.objects.get(uuid=media_uuid)
    evidence = media_root / item.file.name
    assert evidence.read_bytes() == data and item.sha256 == hashlib.sha256(data).hexdigest()
    assert evidence.stat().st_ino == inode and evidence.stat().st_nlink == 1
    assert files_under(media_root, "uploads") == [] and not UploadChunk.objects.exists()


def test_a_completion_that_died_before_recording_leaves_no_second_copy_when_resent(
    visit: Visit, member: User, tus_for: Callable[[User], Tus], media_root: Path
) -> None:
    """A server killed between linking the verified file as evidence and recording the item
    leaves that link under the item's name; the device resends the last chunk, and the
    completion takes the name over instead of storing the evidence a second time beside it
    (found by the fault test: two files for one item)."""
    tus = tus_for(member)
    data = webm(40_000)
    media_uuid = str(uuid.uuid4())
    url = tus.create(data, visit, media_uuid)["Location"]
    assert tus.patch(url, 0, data[:30_000]).status_code == 204
    # What the dead completion left: the upload's file (its last chunk written, the offset
    # not moved) linked under the item's name, and no item.
    upload_file = media_root / "uploads" / media_uuid / "data"
    with upload_file.open("r+b") as written:
        written.seek(30_000)
        written.write(data[30_000:])
    left = media_root / "evidence" / str(visit.pk) / media_uuid
    left.parent.mkdir(parents=True)
    os.link(upload_file, left)
    assert tus.head(url)["Upload-Offset"] == "30000" and not MediaEvidence.objects.exists()

    assert tus.patch(url, 30_000, data[30_000:]).status_code == 204

    item = MediaEvidence.objects.get(uuid=media_uuid)
    assert item.file.name == f"evidence/{visit.pk}/{media_uuid}"
    assert files_under(media_root, "evidence") == [left] and left.read_bytes() == data
    assert left.stat().st_nlink == 1 and files_under(media_root, "uploads") == []
