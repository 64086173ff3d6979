"""``load_demo_data`` does not print the demo's e-mails whole (``make run``): they are kept
in memory and counted in one line, while the server afterwards prints its e-mails."""

from typing import Any

import pytest
from django.conf import settings
from django.core.mail import send_mail
from django.test import override_settings

from kuzet.dashboard.management.commands.load_demo_data import CONSOLE_BACKEND, demo_mail_held


@override_settings(EMAIL_BACKEND=CONSOLE_BACKEND)
def test_demo_mail_is_held_while_loading_and_printed_again_afterwards(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with demo_mail_held() as held:
        send_mail("Demo subject", "A long demo body", "kuzet@example.kz", ["a@example.kz"])
    assert [message.subject for message in held] == ["Demo subject"]
    assert "A long demo body" not in capsys.readouterr().out
    assert settings.EMAIL_BACKEND == CONSOLE_BACKEND
    send_mail("After loading", "The server's mail", "kuzet@example.kz", ["a@example.kz"])
    assert "The server's mail" in capsys.readouterr().out


def test_a_file_or_test_backend_is_left_alone(mailoutbox: list[Any]) -> None:
    with demo_mail_held() as held:
        send_mail("Kept", "Body", "kuzet@example.kz", ["a@example.kz"])
    assert held == [] and [m.subject for m in mailoutbox] == ["Kept"]
