"""manage.py rotate_field_keys: re-encrypt every encrypted field with the first key of KUZET_FIELD_KEYS."""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from kuzet.core.crypto import EncryptedTextField, rotate


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
        self.stdout.write(f"re-encrypted {total} row(s) with the current key")
