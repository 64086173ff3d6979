"""Small helpers shared by management commands: reading an input file, finding a user."""

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def read_input(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None


def active_user(login: str) -> Any:
    user = get_user_model().objects.filter(username=login, is_active=True).first()
    if user is None:
        raise CommandError(f"no active user with the login {login!r}")
    return user
