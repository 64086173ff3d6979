"""Benchmark: the client-side cost of a bulk insert of long texts, as one array a column
(Django's ``UNNEST`` path on PostgreSQL) or one value a placeholder.

    .venv/bin/python bench/bulk_insert_quoting.py [--rows 20] [--size 20000]

Why ``EncryptedTextField`` has a ``get_placeholder``: psycopg (client-side binding, as
Django uses it) escapes the strings of an array in Python, and strings passed one by one
in C. Builds the statements only (``mogrify``) against the PostgreSQL that DATABASE_URL
names (default ``postgresql://postgres@127.0.0.1:5432/postgres``); writes nothing.
"""

import argparse
import base64
import os
import secrets
import time

import psycopg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20, help="rows a statement (a batch)")
    parser.add_argument("--size", type=int, default=20000, help="characters a text")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    texts = [
        base64.urlsafe_b64encode(secrets.token_bytes(args.size * 3 // 4)).decode()
        for _ in range(args.rows)
    ]
    numbers = list(range(args.rows))
    statements = {
        "one array a column (UNNEST)": (
            "INSERT INTO t SELECT * FROM unnest(%s::text[], %s::integer[])",
            [texts, numbers],
        ),
        "one value a placeholder": (
            "INSERT INTO t VALUES " + ", ".join(["(%s, %s)"] * args.rows),  # noqa: S608
            [value for row in zip(texts, numbers, strict=True) for value in row],
        ),
    }
    with psycopg.connect(url) as connection:
        cursor = psycopg.ClientCursor(connection)
        print(f"{args.rows} rows of {args.size:,} characters, client-side binding:")
        for name, (sql, params) in statements.items():
            start = time.process_time()
            for _ in range(args.repeat):
                cursor.mogrify(sql, params)
            elapsed = (time.process_time() - start) / args.repeat
            print(f"  {name}: {elapsed * 1000:.2f} ms of CPU a statement")


if __name__ == "__main__":
    main()
