"""manage.py rotate_field_keys: re-encrypt every encrypted field, and every stored file
encrypted with the field keys (generated reports), with the first key of KUZET_FIELD_KEYS."""

import os
import tempfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.management.base import BaseCommand
from django.db import connection, models, transaction

from kuzet.core.crypto import FILE_MAGIC, EncryptedTextField, rotate, rotate_bytes


def _rewrite(storage: Storage, name: str, content: bytes) -> None:
    """Replace a stored file's bytes under the same name (a filesystem: atomically, 0600)."""
    try:
        path = Path(storage.path(name))
    except NotImplementedError:
        storage.delete(name)
        if storage.save(name, ContentFile(content)) != name:
            raise RuntimeError(f"the storage renamed {name}") from None
        return
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def rotate_files() -> int:
    """Every stored file that begins with Kuzet's encryption header, under the current key."""
    total = 0
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        for field in fields:
            names = model._default_manager.exclude(**{field.name: ""}).values_list(
                field.name, flat=True
            )
            for name in names.iterator():
                storage = field.storage
                if not name or not storage.exists(name):
                    continue
                with storage.open(name, "rb") as file:
                    if file.read(len(FILE_MAGIC)) != FILE_MAGIC:
                        continue  # evidence files are kept as they arrived
                    stored = FILE_MAGIC + file.read()
                _rewrite(storage, name, rotate_bytes(stored))
                total += 1
    return total


class Command(BaseCommand):
    help = (
        "Re-encrypt stored sensitive fields with the current key. Put the new key first in "
        "KUZET_FIELD_KEYS, keep the old ones after it, run this, then drop the old keys."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        quote = connection.ops.quote_name
        total = 0
        for model in apps.get_models():
            columns = [
                f.column for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)
            ]
            if not columns:
                continue
            table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
            # The ciphertext is read and rewritten as it is stored: plaintext never leaves
            # the cryptography library, and the rows' audited values do not change.
            select = f"SELECT {pk}, {', '.join(quote(c) for c in columns)} FROM {table}"  # noqa: S608
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(select)
                for key, *stored in cursor.fetchall():
                    changes = [
                        (quote(c), rotate(v))
                        for c, v in zip(columns, stored, strict=True)
                        if v is not None
                    ]
                    if changes:
                        assignments = ", ".join(f"{c} = %s" for c, _ in changes)
                        cursor.execute(
                            f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                            [v for _, v in changes] + [key],
                        )
                        total += 1
        files = rotate_files()
        self.stdout.write(
            f"re-encrypted {total} row(s) and {files} stored file(s) with the current key"
        )
