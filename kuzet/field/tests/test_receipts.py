"""``POST /field/receipts``: the receipts of a batch in one request, each as
``GET /field/receipts/{uuid}`` answers it (docs/field-api.md)."""

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kuzet.field.tests.device import Device, interview_record
from kuzet.field.tests.test_submissions import assert_problem
from kuzet.field.tests.test_uploads import Tus, webm
from kuzet.people.models import User
from kuzet.visits.models import Visit

pytestmark = pytest.mark.django_db


def receipts(device: Device, uuids: list[str]) -> list[Any]:
    reply = device.post("/field/receipts", {"uuids": uuids})
    assert reply.status_code == 200, reply.content
    found: list[Any] = reply.json()["receipts"]
    return found


def test_each_uuid_gets_what_its_single_receipt_says_in_the_order_asked(
    visit: Visit,
    member: User,
    leader: User,
    device_for: Callable[[User], Device],
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    device = device_for(member)
    mine = [interview_record(visit) for _ in range(3)]
    for rec in mine:
        assert device.submit(rec).status_code == 201
    theirs = interview_record(visit)
    assert device_for(leader).submit(theirs).status_code == 201
    media_uuid = str(uuid.uuid4())
    tus = Tus(device)
    data = webm(2_000)
    created = tus.create(data, visit, media_uuid)
    assert created.status_code == 201, created.content
    tus.send(created["Location"], data, chunk=len(data))

    asked = [
        mine[2]["uuid"],
        str(uuid.uuid4()),  # nothing under it
        media_uuid,
        theirs["uuid"],  # another user's: not this device's to see
        mine[0]["uuid"],
        mine[2]["uuid"],  # asked twice, answered twice
    ]
    found = receipts(device, asked)
    singles = [device.get(f"/field/receipts/{wanted}") for wanted in asked]
    assert [s.status_code for s in singles] == [200, 404, 200, 404, 200, 200]
    assert found == [s.json() if s.status_code == 200 else None for s in singles]
    assert found[2]["type"] == "media" and found[0]["type"] == "interview"


def test_the_queries_do_not_grow_with_the_uuids_asked(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    records = [interview_record(visit) for _ in range(100)]
    for rec in records:
        assert device.submit(rec).status_code == 201

    def queries_for(uuids: list[str]) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert all(receipts(device, uuids))
        return len(captured)

    one = queries_for([records[0]["uuid"]])
    assert queries_for([rec["uuid"] for rec in records]) == one
    # Media items are looked up only for what is not a record: one query more.
    with CaptureQueriesContext(connection) as captured:
        assert receipts(device, [records[0]["uuid"], str(uuid.uuid4())])[1] is None
    assert len(captured) == one + 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"uuids": []}, "uuids"),
        ({"uuids": [str(uuid.uuid4()) for _ in range(101)]}, "uuids"),
        ({"uuids": [str(uuid.uuid4()), "not-a-uuid"]}, "uuids[1]"),
        ({}, "uuids"),
    ],
)
def test_a_request_of_the_wrong_form_names_the_field(
    member: User, device_for: Callable[[User], Device], body: dict[str, Any], field: str
) -> None:
    problem = assert_problem(
        device_for(member).post("/field/receipts", body), 422, "invalid_request"
    )
    assert field in problem["fields"]
    assert "not-a-uuid" not in str(problem)  # values sent are never echoed


def test_without_a_token_nothing_is_answered(visit: Visit, client: Any) -> None:
    reply = client.post(
        "/api/v1/field/receipts", {"uuids": [str(uuid.uuid4())]}, content_type="application/json"
    )
    assert reply.status_code == 401
    assert reply["Content-Type"] == "application/problem+json"
