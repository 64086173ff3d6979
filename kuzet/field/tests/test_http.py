"""The HTTP edge the field API and tus share: an unexpected error is a 500 problem document
on both, and its log line says where it happened, never what the exception says (it may
quote what was sent, such as a person's name)."""

import base64
import logging
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from kuzet.field.tests.device import Device
from kuzet.people.models import User

pytestmark = pytest.mark.django_db
PERSONAL_NAME = "Серикбаев Арман"


def broken(**kwargs: Any) -> Any:
    raise RuntimeError(f"the interview with {PERSONAL_NAME} could not be read")


def the_log_line(caplog: pytest.LogCaptureFixture) -> str:
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("kuzet.field")]
    assert len(lines) == 1, lines
    assert PERSONAL_NAME not in caplog.text
    return lines[0]


def test_an_unexpected_error_in_the_api_is_a_500_problem_whose_log_names_no_one(
    member: User,
    device_for: Callable[[User], Device],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr("kuzet.field.api.receipt_of", broken)
    device = device_for(member)
    with caplog.at_level(logging.ERROR):
        reply = device.get(f"/field/receipts/{uuid.uuid4()}")
    assert reply.status_code == 500
    assert reply["Content-Type"] == "application/problem+json"
    assert reply.json()["code"] == "server_error"
    assert PERSONAL_NAME not in reply.content.decode()
    line = the_log_line(caplog)
    assert "RuntimeError" in line and "GET" in line and "receipts" in line


def test_an_unexpected_error_in_an_upload_is_a_500_problem_whose_log_names_no_one(
    member: User,
    device_for: Callable[[User], Device],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr("kuzet.field.tus.upload_create", broken)
    device = device_for(member)
    filename = base64.b64encode(f"{PERSONAL_NAME}.webm".encode()).decode()
    item = base64.b64encode(str(uuid.uuid4()).encode()).decode()
    with caplog.at_level(logging.ERROR):
        reply = device.client.post(
            "/api/v1/uploads/",
            b"",
            content_type="application/octet-stream",
            **device.headers(
                HTTP_TUS_RESUMABLE="1.0.0",
                HTTP_UPLOAD_LENGTH="10",
                HTTP_UPLOAD_METADATA=(
                    f"media_uuid {item},visit {base64.b64encode(b'1').decode()},"
                    f"sha256 {base64.b64encode(b'0' * 64).decode()},filename {filename}"
                ),
            ),
        )
    assert reply.status_code == 500
    assert reply["Content-Type"] == "application/problem+json"
    assert reply["Tus-Resumable"] == "1.0.0"
    assert reply.json()["code"] == "server_error"
    assert PERSONAL_NAME not in reply.content.decode()
    line = the_log_line(caplog)
    assert "RuntimeError" in line and "POST" in line and "uploads" in line
