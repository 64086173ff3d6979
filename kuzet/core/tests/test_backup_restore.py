"""The restore drill: back up a demo database with media, wipe it, restore, verify.

Each run is its own process (``manage.py``) on its own database, as in production: SQLite
always, and PostgreSQL when DATABASE_URL is PostgreSQL (scratch databases, dropped after).
The audit trail's triggers forbid deleting events, so the drill never runs inside the test
database.
"""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kuzet.core.backup import CHUNK, BackupError, decrypt_stream, encrypt_stream, new_key, parse_key

ROOT = Path(__file__).resolve().parents[3]

# Three items of evidence on the demo visit, one of them several encryption chunks long.
ADD_MEDIA = """
import random
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.storage import default_storage
from django.core.files.base import ContentFile
from kuzet.people.models import User
from kuzet.visits.demo_media import demo_audio, demo_photo
from kuzet.visits.models import Visit
from kuzet.visits.services.media import media_add
rng = random.Random(19)
leader = User.objects.get(username="demo-leader")
visit = Visit.objects.get()
big = demo_photo(rng) + rng.randbytes(300_000)
for name, data in (("cell.jpg", demo_photo(rng)), ("yard.jpg", big), ("talk.wav", demo_audio(rng))):
    media_add(actor=leader, visit=visit, upload=SimpleUploadedFile(name, data), description=name)
default_storage.save("reports/2026/drill.pdf", ContentFile(b"kuzet-enc1\\n" + rng.randbytes(5000)))
"""

# What the restored database must hold: the evidence rows with their recorded hashes.
DESCRIBE = """
import json
from kuzet.core.models import AuditEvent
from kuzet.visits.models import MediaEvidence, Visit
print(json.dumps({
    "events": AuditEvent.objects.count(),
    "visits": Visit.objects.count(),
    "evidence": sorted((m.file.name, m.sha256, m.description) for m in MediaEvidence.objects.all()),
}))
"""


@dataclass
class Site:
    """One Kuzet installation: its environment (database, storage) for manage.py."""

    env: dict[str, str]
    var_dir: Path

    def manage(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def ok(self, *args: str, stdin: str | None = None) -> str:
        result = self.manage(*args, stdin=stdin)
        assert result.returncode == 0, f"manage.py {' '.join(args)}: {result.stderr[-3000:]}"
        return result.stdout

    def describe(self) -> dict[str, object]:
        out = self.ok("shell", "--no-imports", stdin=DESCRIBE)
        result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
        return result

    def stored_files(self) -> dict[str, str]:
        media = self.var_dir / "media"
        return {
            str(p.relative_to(media)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(media.rglob("*"))
            if p.is_file()
        }


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _recreate(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


VENDORS = ["sqlite", "postgresql"]


@dataclass
class Drill:
    vendor: str
    source: Site
    backup: Path
    key_file: Path
    before: dict[str, object]
    files_before: dict[str, str]
    database_url: str | None

    def fresh_site(self, name: str, *, key: str | None = None) -> Site:
        """A wiped installation: a new, empty database and an empty storage."""
        var_dir = self.backup.parent / name
        shutil.rmtree(var_dir, ignore_errors=True)
        var_dir.mkdir()
        env = dict(self.source.env, KUZET_VAR_DIR=str(var_dir))
        if key is not None:
            key_file = var_dir.parent / f"{name}.key"
            key_file.write_text(key)
            env["KUZET_BACKUP_KEY_FILE"] = str(key_file)
        if self.database_url:
            parts = urlsplit(self.database_url)
            url = parts._replace(path=f"{parts.path}_{name}").geturl()
            _recreate(url)
            env["DATABASE_URL"] = url
        return Site(env, var_dir)


@pytest.fixture(scope="module", params=VENDORS)
def drill(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Drill]:
    vendor: str = request.param
    base_url = _postgres_url()
    if vendor == "postgresql" and base_url is None:
        pytest.skip("DATABASE_URL is not PostgreSQL: the PostgreSQL drill runs in CI's second pass")
    if vendor == "sqlite" and base_url is not None:
        pytest.skip("the SQLite drill runs in the pass on SQLite")
    folder = tmp_path_factory.mktemp(f"drill-{vendor}")
    key_file = folder / "backup.key"
    key_file.write_text(new_key())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUZET_", "DATABASE_URL"))}
    env.update(
        KUZET_DEBUG="1",
        KUZET_DEMO="1",
        KUZET_AUDIT_KEY="drill-audit-key-0123456789abcdefghijklmnopqrstuv",
        KUZET_BACKUP_KEY_FILE=str(key_file),
        KUZET_VAR_DIR=str(folder / "source"),
    )
    database_url = None
    if vendor == "postgresql":
        assert base_url is not None
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        database_url = f"{base_url}_drill_{worker}"
        _recreate(database_url)
        env["DATABASE_URL"] = database_url
    source = Site(env, folder / "source")
    source.var_dir.mkdir()
    source.ok("migrate", "--no-input", "-v0")
    source.ok("load_demo_data", "--no-year")
    source.ok("shell", "--no-imports", stdin=ADD_MEDIA)
    before, files_before = source.describe(), source.stored_files()
    backup = folder / "backup"
    out = source.ok("backup", "--to", str(backup))
    assert "backup written" in out
    result = Drill(vendor, source, backup, key_file, before, files_before, database_url)
    yield result
    if database_url:
        _drop(database_url)
        for name in ("restored", "wrong-key", "tampered", "other-audit-key"):
            parts = urlsplit(database_url)
            _drop(parts._replace(path=f"{parts.path}_{name}").geturl())


@pytest.mark.slow
def test_a_wiped_installation_is_restored_and_verifies(drill: Drill) -> None:
    assert len(drill.before["evidence"]) == 3  # type: ignore[arg-type]
    site = drill.fresh_site("restored")
    out = site.ok("restore", "--from", str(drill.backup))
    assert "audit trail intact" in out and "3 evidence file(s) match" in out
    assert "audit trail intact" in site.ok("verify_audit")
    # The same rows and files, and every evidence file has the SHA-256 recorded for it.
    assert site.describe() == drill.before
    restored = site.stored_files()
    assert restored == drill.files_before
    for name, sha256, _description in drill.before["evidence"]:  # type: ignore[attr-defined]
        assert restored[name] == sha256
    # The restored installation works: a new audited change continues the chain.
    site.ok("shell", "--no-imports", stdin=RENAME_VISIT)
    assert "audit trail intact" in site.ok("verify_audit")
    # A second restore onto it is refused: it is no longer empty.
    again = site.manage("restore", "--from", str(drill.backup))
    assert again.returncode != 0 and "is not empty" in again.stderr


RENAME_VISIT = """
from kuzet.core.audit import acting_as, SYSTEM
from kuzet.visits.models import Visit
with acting_as(SYSTEM):
    visit = Visit.objects.get()
    visit.objectives = visit.objectives + " (restored)"
    visit.save(update_fields=["objectives"])
"""


@pytest.mark.slow
def test_a_wrong_key_is_refused_and_nothing_is_written(drill: Drill) -> None:
    site = drill.fresh_site("wrong-key", key=new_key())
    result = site.manage("restore", "--from", str(drill.backup))
    assert result.returncode != 0
    assert "wrong backup key" in result.stderr
    assert site.stored_files() == {}
    if drill.vendor == "sqlite":
        database = site.var_dir / "kuzet.sqlite3"
        assert not database.exists() or database.stat().st_size == 0


@pytest.mark.slow
def test_a_changed_file_is_named_and_nothing_is_written(drill: Drill, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(drill.backup, copy)
    # Change one byte in the last stored file (an evidence or report file).
    victim = sorted(copy.glob("0*.kzb"))[-1]
    data = bytearray(victim.read_bytes())
    data[40] ^= 1
    victim.write_bytes(bytes(data))
    site = drill.fresh_site("tampered")
    result = site.manage("restore", "--from", str(copy))
    assert result.returncode != 0
    assert "nothing restored" in result.stderr and "media/" in result.stderr
    assert "changed or cut" in result.stderr
    assert site.stored_files() == {}
    # `backup --verify` names the same file without a target at all.
    check = drill.source.manage("backup", "--verify", str(copy))
    assert check.returncode != 0 and "changed or cut" in check.stderr


@pytest.mark.slow
def test_a_key_file_inside_the_backup_directory_is_refused(drill: Drill, tmp_path: Path) -> None:
    target = tmp_path / "beside"
    target.mkdir()
    key_file = target / "backup.key"
    key_file.write_text(drill.key_file.read_text())
    site = Site(dict(drill.source.env, KUZET_BACKUP_KEY_FILE=str(key_file)), drill.source.var_dir)
    result = site.manage("backup", "--to", str(target))
    assert result.returncode != 0 and "keep the key apart" in result.stderr


@pytest.mark.slow
def test_the_backup_key_rotates_and_old_backups_need_the_old_key(
    drill: Drill, tmp_path: Path
) -> None:
    new = tmp_path / "new.key"
    new.write_text(new_key())
    rotated = Site(dict(drill.source.env, KUZET_BACKUP_KEY_FILE=str(new)), drill.source.var_dir)
    assert "backup written" in rotated.ok("backup", "--to", str(tmp_path / "after"))
    assert "backup intact" in rotated.ok("backup", "--verify", str(tmp_path / "after"))
    old_backup = rotated.manage("backup", "--verify", str(drill.backup))
    assert old_backup.returncode != 0 and "wrong backup key" in old_backup.stderr
    assert "backup intact" in drill.source.ok("backup", "--verify", str(drill.backup))


@pytest.mark.slow
def test_a_restore_under_another_audit_key_says_the_trail_does_not_verify(drill: Drill) -> None:
    site = drill.fresh_site("other-audit-key")
    site.env["KUZET_AUDIT_KEY"] = "not-the-production-audit-key-0123456789abcdef"
    result = site.manage("restore", "--from", str(drill.backup))
    assert result.returncode != 0
    assert "is KUZET_AUDIT_KEY the production one?" in result.stderr


# The encryption of one file, through its two public functions.


def test_a_file_of_many_chunks_comes_back_whole() -> None:
    key = parse_key(new_key())
    data = os.urandom(3 * CHUNK + 123)
    sealed = io.BytesIO()
    size, digest = encrypt_stream(key, "media/x", io.BytesIO(data), sealed)
    assert (size, digest) == (len(data), hashlib.sha256(data).hexdigest())
    assert b"".join(decrypt_stream(key, "media/x", io.BytesIO(sealed.getvalue()))) == data


@pytest.mark.parametrize("length", [0, CHUNK, 2 * CHUNK])
def test_an_empty_or_chunk_sized_file_comes_back_whole(length: int) -> None:
    key = parse_key(new_key())
    data = os.urandom(length)
    sealed = io.BytesIO()
    encrypt_stream(key, "f", io.BytesIO(data), sealed)
    assert b"".join(decrypt_stream(key, "f", io.BytesIO(sealed.getvalue()))) == data


def test_a_cut_swapped_or_renamed_file_does_not_open() -> None:
    key = parse_key(new_key())
    sealed = io.BytesIO()
    encrypt_stream(key, "media/a", io.BytesIO(os.urandom(2 * CHUNK + 5)), sealed)
    whole = sealed.getvalue()
    header = 15 + 16
    cut = whole[: header + CHUNK + 16]  # the last chunks removed: the first is not marked last
    for name, blob in (("media/a", cut), ("media/b", whole)):
        with pytest.raises(BackupError, match=f"{name}: changed or cut"):
            b"".join(decrypt_stream(key, name, io.BytesIO(blob)))
    with pytest.raises(BackupError, match="changed or cut"):
        b"".join(decrypt_stream(parse_key(new_key()), "media/a", io.BytesIO(whole)))


def test_a_malformed_backup_key_is_refused() -> None:
    with pytest.raises(BackupError, match="44 characters"):
        parse_key("short")
    with pytest.raises(BackupError, match="no backup key"):
        parse_key(None)
