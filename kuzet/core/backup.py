"""Encrypted backups of the database and the stored files, and restoring them.

A backup is a directory: ``backup.json`` (in clear: the format, the time, which key made it,
never a secret), ``manifest.kzb`` (every file's name, size and SHA-256) and one ``.kzb`` per
file — the database dump (``pg_dump --format=custom`` on PostgreSQL, SQLite's online backup
API on SQLite) and every file of the storage (evidence, generated reports).

Every ``.kzb`` is encrypted like *age*'s payload: a random 16-byte salt per file, a file key
derived from ``KUZET_BACKUP_KEY`` with HKDF-SHA256, then 64 KiB chunks sealed with
AES-256-GCM whose nonce is the chunk counter and a "last chunk" flag (the STREAM
construction), and the file's name as associated data: a changed, cut, extended or swapped
file fails to open. The backup key is never written into the backup; a key file inside the
backup directory is refused.

Restoring first opens and hashes every file (nothing is written yet), then loads the dump
into the empty database and the files into the empty storage.
"""

import base64
import hashlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import OperationalError, connection
from django.utils import timezone

FORMAT = "kuzet-backup/1"
MAGIC = b"KUZET-BACKUP-1\n"
CHUNK = 64 * 1024
TAG = 16
SALT = 16
HEADER_FILE = "backup.json"
MANIFEST_FILE = "manifest.kzb"
DATABASE_NAME = "database"


class BackupError(Exception):
    """A backup that cannot be made or restored; the message says what and where."""


def new_key() -> str:
    """A fresh backup key: 32 random bytes, url-safe base64 (44 characters)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def parse_key(text: str | None) -> bytes:
    if not text:
        raise BackupError(
            "no backup key: set KUZET_BACKUP_KEY_FILE to a file holding it (or KUZET_BACKUP_KEY); "
            "make one with `manage.py backup --new-key` and keep it away from the backups"
        )
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != 32:
        raise BackupError("KUZET_BACKUP_KEY must be 32 bytes in url-safe base64 (44 characters)")
    return key


def key_id(key: bytes) -> str:
    """Names the key without revealing it: a wrong key is told apart from a changed file."""
    return hmac.new(key, b"kuzet-backup-key-id", hashlib.sha256).hexdigest()[:16]


def _file_key(key: bytes, salt: bytes) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"kuzet-backup-1 file")
    return AESGCM(hkdf.derive(key))


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def encrypt_stream(key: bytes, name: str, source: IO[bytes], target: IO[bytes]) -> tuple[int, str]:
    """Encrypt ``source`` into ``target`` chunk by chunk; returns the plaintext's size and SHA-256."""
    salt = os.urandom(SALT)
    aead = _file_key(key, salt)
    target.write(MAGIC + salt)
    digest, size, counter = hashlib.sha256(), 0, 0
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK) if len(chunk) == CHUNK else b""
        last = not following
        digest.update(chunk)
        size += len(chunk)
        target.write(aead.encrypt(_nonce(counter, last), chunk, name.encode("utf-8")))
        if last:
            return size, digest.hexdigest()
        chunk, counter = following, counter + 1


def decrypt_stream(key: bytes, name: str, source: IO[bytes]) -> Iterator[bytes]:
    """The plaintext chunks of an encrypted file; BackupError naming ``name`` when it was changed."""
    header = source.read(len(MAGIC) + SALT)
    if len(header) != len(MAGIC) + SALT or not header.startswith(MAGIC):
        raise BackupError(f"{name}: not a Kuzet backup file (damaged header)")
    aead = _file_key(key, header[len(MAGIC) :])
    counter = 0
    sealed = source.read(CHUNK + TAG)
    while True:
        following = source.read(CHUNK + TAG) if len(sealed) == CHUNK + TAG else b""
        last = not following
        try:
            yield aead.decrypt(_nonce(counter, last), sealed, name.encode("utf-8"))
        except InvalidTag:
            offset = len(MAGIC) + SALT + counter * (CHUNK + TAG)
            raise BackupError(
                f"{name}: changed or cut after the backup was made (chunk {counter}, "
                f"byte offset {offset})"
            ) from None
        if last:
            return
        sealed, counter = following, counter + 1


@dataclass(frozen=True)
class Entry:
    name: str  # "database" or "media/<storage name>"
    stored_as: str  # file inside the backup directory
    size: int
    sha256: str


@dataclass(frozen=True)
class Summary:
    directory: Path
    files: int
    bytes: int


def _stored_names(storage: Storage, folder: str = "") -> Iterator[str]:
    directories, files = storage.listdir(folder)
    for file in sorted(files):
        yield f"{folder}/{file}" if folder else file
    for directory in sorted(directories):
        yield from _stored_names(storage, f"{folder}/{directory}" if folder else directory)


def _storage_names(storage: Storage) -> list[str]:
    try:
        return list(_stored_names(storage))
    except FileNotFoundError:
        return []


def _vendor() -> str:
    return str(connection.vendor)


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore from Django's settings (password by PGPASSWORD)."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["--no-password", f"--dbname={db['NAME']}"]
    if db.get("HOST"):
        args.append(f"--host={db['HOST']}")
    if db.get("PORT"):
        args.append(f"--port={db['PORT']}")
    if db.get("USER"):
        args.append(f"--username={db['USER']}")
    return args, env


def _dump_database(key: bytes, target: IO[bytes]) -> tuple[int, str]:
    if _vendor() == "sqlite":
        with tempfile.TemporaryDirectory(prefix="kuzet-backup-") as folder:
            copy = Path(folder) / "dump.sqlite3"
            connection.ensure_connection()
            raw = connection.connection
            destination = sqlite3.connect(copy)
            try:
                raw.backup(destination)  # a consistent copy while others may write
            finally:
                destination.close()
            with copy.open("rb") as source:
                return encrypt_stream(key, DATABASE_NAME, source, target)
    if _vendor() == "postgresql":
        args, env = _pg_environment()
        command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *args]
        with subprocess.Popen(  # noqa: S603 - fixed program, arguments from settings
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        ) as dump:
            assert dump.stdout is not None
            result = encrypt_stream(key, DATABASE_NAME, dump.stdout, target)
            errors = dump.stderr.read().decode("utf-8", "replace") if dump.stderr else ""
        if dump.returncode != 0:
            raise BackupError(f"pg_dump failed (exit {dump.returncode}): {errors.strip()}")
        return result
    raise BackupError(f"backups support SQLite and PostgreSQL, not {_vendor()}")


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def backup_create(*, directory: Path, key_text: str | None, key_file: str | None = None) -> Summary:
    """Write an encrypted backup into ``directory`` (new or empty), complete or not at all."""
    key = parse_key(key_text)
    directory = directory.resolve()
    if key_file and directory in Path(key_file).resolve().parents:
        raise BackupError(
            f"the backup key file {key_file} is inside {directory}: keep the key apart from the backups"
        )
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: a backup goes into a new directory")
    directory.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{directory.name}.partial-", dir=directory.parent))
    try:
        entries: list[Entry] = []
        with (partial / "000000.kzb").open("wb") as target:
            size, digest = _dump_database(key, target)
        entries.append(Entry(DATABASE_NAME, "000000.kzb", size, digest))
        storage = default_storage
        for number, stored in enumerate(_storage_names(storage), start=1):
            name = f"media/{stored}"
            file_name = f"{number:06d}.kzb"
            with storage.open(stored, "rb") as source, (partial / file_name).open("wb") as target:
                size, digest = encrypt_stream(key, name, source, target)
            entries.append(Entry(name, file_name, size, digest))
        manifest = {
            "format": FORMAT,
            "created": timezone.now().isoformat(),
            "database": _vendor(),
            "files": [e.__dict__ for e in entries],
        }
        with (partial / MANIFEST_FILE).open("wb") as target:
            encrypt_stream(key, MANIFEST_FILE, io.BytesIO(json.dumps(manifest).encode()), target)
        _write_json(
            partial / HEADER_FILE,
            {
                "format": FORMAT,
                "created": manifest["created"],
                "database": _vendor(),
                "key_id": key_id(key),
                "files": len(entries),
            },
        )
        for path in partial.iterdir():
            path.chmod(0o600)
        if directory.exists():
            directory.rmdir()
        partial.rename(directory)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Summary(directory, len(entries), sum(e.size for e in entries))


def _read_header(directory: Path, key: bytes) -> dict[str, Any]:
    try:
        header = json.loads((directory / HEADER_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{directory} holds no Kuzet backup ({HEADER_FILE} is missing)") from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{directory / HEADER_FILE} cannot be read: {exc}") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(f"{directory / HEADER_FILE}: not a {FORMAT} backup")
    if header.get("key_id") != key_id(key):
        raise BackupError(
            "wrong backup key: this backup was made with another key "
            f"(key id {header.get('key_id')}, the configured key is {key_id(key)})"
        )
    return header


def _read_manifest(directory: Path, key: bytes) -> list[Entry]:
    path = directory / MANIFEST_FILE
    try:
        with path.open("rb") as source:
            data = b"".join(decrypt_stream(key, MANIFEST_FILE, source))
    except FileNotFoundError:
        raise BackupError(f"{MANIFEST_FILE} is missing from {directory}") from None
    manifest = json.loads(data)
    return [Entry(**e) for e in manifest["files"]]


def _open_entry(directory: Path, key: bytes, entry: Entry) -> Iterator[bytes]:
    """The plaintext of one file, hashed as it is read: BackupError naming it on any mismatch."""
    path = directory / entry.stored_as
    if not path.is_file():
        raise BackupError(f"{entry.name} ({entry.stored_as}) is missing from the backup")
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as source:
        for chunk in decrypt_stream(key, entry.name, source):
            digest.update(chunk)
            size += len(chunk)
            yield chunk
    if size != entry.size or digest.hexdigest() != entry.sha256:
        raise BackupError(f"{entry.name} ({entry.stored_as}): SHA-256 does not match the manifest")


def backup_verify(*, directory: Path, key_text: str | None) -> list[Entry]:
    """Open and hash every file of a backup without writing anything."""
    key = parse_key(key_text)
    _read_header(directory, key)
    entries = _read_manifest(directory, key)
    for entry in entries:
        for _chunk in _open_entry(directory, key, entry):
            pass
    return entries


class _ChunkReader(io.RawIOBase):
    """An iterator of byte chunks as a readable file (the storage API copies from it)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks, self.pending = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.pending:
            try:
                self.pending = next(self.chunks)
            except StopIteration:
                return 0
        count = min(len(buffer), len(self.pending))
        buffer[:count] = self.pending[:count]
        self.pending = self.pending[count:]
        return count


def _database_is_empty() -> bool:
    return not connection.introspection.table_names()


def _sqlite_path() -> Path:
    return Path(str(settings.DATABASES["default"]["NAME"]))


def _check_targets_empty(storage: Storage) -> None:
    if _vendor() == "sqlite":
        path = _sqlite_path()
        if path.exists() and path.stat().st_size > 0:
            raise BackupError(f"the database {path} is not empty: restore into a new database")
    elif not _database_is_empty():
        raise BackupError(
            f"the database {settings.DATABASES['default']['NAME']} is not empty: restore into a "
            "new database (createdb)"
        )
    stored = _storage_names(storage)
    if stored:
        raise BackupError(f"the storage is not empty ({stored[0]} …): restore into an empty one")


def _restore_database(directory: Path, key: bytes, entry: Entry, vendor: str) -> None:
    if vendor != _vendor():
        raise BackupError(f"this backup is of a {vendor} database; DATABASE_URL is {_vendor()}")
    if vendor == "sqlite":
        path = _sqlite_path()
        connection.close()
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.restoring")
        with temporary.open("wb") as target:
            for chunk in _open_entry(directory, key, entry):
                target.write(chunk)
        temporary.chmod(0o600)
        temporary.replace(path)
        return
    args, env = _pg_environment()
    command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *args]
    with subprocess.Popen(  # noqa: S603 - fixed program, arguments from settings
        command, stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as load:
        assert load.stdin is not None
        try:
            for chunk in _open_entry(directory, key, entry):
                load.stdin.write(chunk)
        except BrokenPipeError:
            pass
        finally:
            load.stdin.close()
        errors = load.stderr.read().decode("utf-8", "replace") if load.stderr else ""
    if load.returncode != 0:
        raise BackupError(f"pg_restore failed (exit {load.returncode}): {errors.strip()}")


def backup_restore(
    *, directory: Path, key_text: str | None, progress: Callable[[str], None] = lambda _: None
) -> list[Entry]:
    """Restore a backup into an empty database and an empty storage.

    Every file is opened and hashed first; a wrong key, a changed file or a non-empty target
    is refused before anything is written.
    """
    key = parse_key(key_text)
    header = _read_header(directory, key)
    storage = default_storage
    try:
        _check_targets_empty(storage)
    except OperationalError as exc:
        raise BackupError(
            f"cannot open the target database ({exc}): create it empty first (createdb)"
        ) from None
    entries = backup_verify(directory=directory, key_text=key_text)
    progress(f"verified {len(entries)} file(s): every SHA-256 matches the manifest")
    for entry in entries:
        if entry.name == DATABASE_NAME:
            _restore_database(directory, key, entry, str(header["database"]))
            progress("database restored")
            continue
        stored = entry.name.removeprefix("media/")
        reader = io.BufferedReader(_ChunkReader(_open_entry(directory, key, entry)), CHUNK)
        saved = storage.save(stored, File(reader))
        if saved != stored:
            raise BackupError(f"{entry.name}: the storage saved it as {saved}")
    progress(f"{len(entries) - 1} stored file(s) restored")
    return entries


def evidence_mismatches() -> tuple[int, list[str]]:
    """Every media evidence item's file hashed against its recorded SHA-256: (checked, problems)."""
    # Looked up by name: core sits below visits and does not import it.
    MediaEvidence = apps.get_model("visits", "MediaEvidence")

    problems: list[str] = []
    checked = 0
    for item in MediaEvidence.objects.order_by("pk").only("pk", "uuid", "file", "sha256"):
        checked += 1
        digest = hashlib.sha256()
        try:
            with item.file.open("rb") as file:
                while block := file.read(CHUNK):
                    digest.update(block)
        except FileNotFoundError:
            problems.append(f"evidence {item.uuid}: file {item.file.name} is missing")
            continue
        if digest.hexdigest() != item.sha256:
            problems.append(
                f"evidence {item.uuid}: SHA-256 does not match ({quote(item.file.name)})"
            )
    return checked, problems
