"""What an object store (S3 through django-storages) asks of the bytes it is given, checked
with a storage that asks the same: a tus chunk and the assembled file are read front to
back once, say they cannot seek, and are never rewound.

django-storages' ``S3Storage._save`` rewinds the content only when ``is_seekable`` says it
may (``not hasattr(f, "seekable") or f.seekable()``), then hands it to boto3's
``upload_fileobj``, which sends an unseekable stream as a multipart upload read in parts.
No S3 server runs here, so this storage keeps the objects on disk but takes them exactly
that way (docs/deploy.md says what is and is not tested).
"""

import hashlib
import io
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.utils import timezone

from kuzet.field.models import Upload
from kuzet.field.tests.device import Device
from kuzet.field.tests.test_uploads import Tus, webm
from kuzet.people.models import User
from kuzet.visits.models import MediaEvidence, Visit

pytestmark = pytest.mark.django_db

PART = 5 * 1024 * 1024  # boto3's smallest multipart part


class UnseekableObjectStore(FileSystemStorage):
    """Saves as django-storages' S3 backend does: rewinds only what is seekable, reads parts."""

    saved: list[tuple[str, bool]] = []

    def _save(self, name: str, content: Any) -> str:
        seekable = not hasattr(content, "seekable") or content.seekable()
        if seekable:
            content.seek(0)
        type(self).saved.append((name, seekable))
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as target:
            while part := content.read(PART):
                target.write(part)
        return name


@pytest.fixture
def object_store(settings: Any, tmp_path: Path) -> type[UnseekableObjectStore]:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": f"{__name__}.UnseekableObjectStore",
            "OPTIONS": {"location": str(tmp_path / "objects")},
        },
    }
    UnseekableObjectStore.saved = []
    return UnseekableObjectStore


def test_chunks_and_the_assembled_file_stream_into_a_store_that_cannot_seek(
    object_store: type[UnseekableObjectStore],
    visit: Visit,
    member: User,
    device_for: Callable[[User], Device],
) -> None:
    data = webm(3 * 1024 * 1024 + 77)
    media_uuid = str(uuid.uuid4())
    tus = Tus(device_for(member))
    created = tus.create(data, visit, media_uuid)
    assert created.status_code == 201, created.content

    tus.send(created["Location"], data, chunk=1024 * 1024)

    item = MediaEvidence.objects.get(uuid=media_uuid)
    assert item.sha256 == hashlib.sha256(data).hexdigest() and item.size == len(data)
    with item.file.open("rb") as stored:
        assert stored.read() == data
    # Four chunks and the assembled file, none of them offered as seekable.
    assert len(object_store.saved) == 5
    assert not any(seekable for _name, seekable in object_store.saved)


def test_copies_left_by_completions_that_died_before_recording_are_deleted_once_recorded(
    object_store: type[UnseekableObjectStore],
    visit: Visit,
    member: User,
    device_for: Callable[[User], Device],
    tmp_path: Path,
) -> None:
    """An object store cannot replace a name in one step, so a completion whose process died
    after storing the file and before recording the item leaves its copy under the item's
    name, and the next completion is stored under a free variant of it. Once the item is
    recorded, those copies are deleted: one file per item."""
    data = webm(100_000)
    media_uuid = str(uuid.uuid4())
    tus = Tus(device_for(member))
    url = tus.create(data, visit, media_uuid)["Location"]
    assert tus.patch(url, 0, data[:60_000]).status_code == 204
    folder = tmp_path / "objects" / "evidence" / str(visit.pk)
    folder.mkdir(parents=True)
    for name in (media_uuid, f"{media_uuid}_Ab3dE9x"):
        (folder / name).write_bytes(data)
    other = folder / str(uuid.uuid4())  # another item's file, not this upload's
    other.write_bytes(b"another item")

    assert tus.patch(url, 60_000, data[60_000:]).status_code == 204

    item = MediaEvidence.objects.get(uuid=media_uuid)
    kept = sorted([item.file.name.rsplit("/", 1)[-1], other.name])
    assert sorted(p.name for p in folder.iterdir()) == kept
    with item.file.open("rb") as stored:
        assert stored.read() == data

    # A process that died after recording the item and before deleting them leaves such a
    # copy too; the scheduled expiry of the finished upload deletes it.
    (folder / f"{media_uuid}_Zz9yX8w").write_bytes(data)
    Upload.objects.update(expires_at=timezone.now() - timedelta(hours=1))
    call_command("expire_uploads", stdout=io.StringIO())
    assert sorted(p.name for p in folder.iterdir()) == kept
