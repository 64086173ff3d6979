"""Reading the dashboard's figures as a user downloads them: a table's CSV."""

import csv
import io

from django.test import Client


def table(client: Client, key: str, **query: str) -> dict[str, list[str]]:
    """A table as its CSV download says: first column → the other columns."""
    response = client.get(f"/dashboard/data/{key}.csv", query)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return {row[0]: row[1:] for row in rows[1:]}
