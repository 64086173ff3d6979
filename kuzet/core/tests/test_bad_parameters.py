"""Malformed and out-of-range query parameters and bodies get a clear answer, never a 500:
every list page and filter, and the API's sign-in with a body in the wrong encoding."""

from collections.abc import Callable

import pytest
from django.test import Client

from kuzet.people.models import User
from kuzet.visits.models import Visit

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # beyond a 64-bit integer: SQLite raises OverflowError
VALUES = [HUGE, f"-{HUGE}", "1e5", "x", "", "0", "1:q", f"{HUGE}:q", "\x00"]
PAGES = {
    "/dashboard/visits/": ["item", "region", "department", "type", "kind", "start", "end", "has"],
    "/dashboard/": ["region", "department", "type", "kind", "start", "end", "period"],
    "/dashboard/planning/": ["region", "year"],
    "/visits/": ["region", "status", "institution", "month", "page"],
    "/recommendations/": ["status", "addressee", "region", "department", "type", "page"],
    "/inventory/": ["region", "type", "department", "page", "sort"],
    "/reports/": ["year", "page"],
    "/reports/export/visits.csv": ["visit", "year", "status"],
    "/reports/export/responses.csv": ["version", "visit", "year"],
    "/reports/export/recommendations.csv": ["visit", "year", "region", "status"],
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_list_filters_with_bad_values_never_fail(
    page: str, secretariat: User, client_for: Callable[[User], Client], visit: Visit
) -> None:
    client = client_for(secretariat)
    client.raise_request_exception = False
    for name in PAGES[page]:
        for value in VALUES:
            response = client.get(page, {name: value})
            assert response.status_code < 500, (page, name, value, response.status_code)


def test_device_token_with_a_json_body_sent_as_multipart_is_a_clear_problem(
    client: Client,
) -> None:
    client.raise_request_exception = False
    body = b'{"username": "someone", "password": "not-this", "device_name": "Tablet"}'
    for content_type in ("multipart/form-data", "multipart/form-data; boundary=xyz"):
        response = client.generic(
            "POST", "/api/v1/auth/device-token", body, content_type=content_type
        )
        assert 400 <= response.status_code < 500, (content_type, response.status_code)
        assert response["Content-Type"].startswith("application/problem+json")
