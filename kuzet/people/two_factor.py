"""TOTP enrolment and verification on top of django-otp."""

import base64
import math
from io import BytesIO
from typing import Any

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from kuzet.core.audit import audit_append
from kuzet.core.models import AuditAction
from kuzet.people.throttle import second_factor_failed, wait_message

DEVICE_NAME = "authenticator"


class TooManyAttempts(Exception):
    """django-otp throttles a device after wrong codes (1 s, 2 s, 4 s … between tries);
    ``retry_after`` is the seconds until the next try is allowed."""

    def __init__(self, retry_after: int = 1) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after

    def message(self) -> str:
        return wait_message(self.retry_after)


def _refuse_while_throttled(devices: list[Any]) -> None:
    """Raise TooManyAttempts unless one of ``devices`` accepts a try now."""
    waits: list[int] = []
    for device in devices:
        allowed, data = device.verify_is_allowed()
        if allowed:
            return
        locked_until = (data or {}).get("locked_until")
        seconds = (locked_until - timezone.now()).total_seconds() if locked_until else 1
        waits.append(max(1, math.ceil(seconds)))
    if waits:
        raise TooManyAttempts(min(waits))


def has_confirmed_device(user: Any) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def pending_device(user: Any) -> TOTPDevice:
    """The user's unconfirmed TOTP device, created on first call; shown as a QR code."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": DEVICE_NAME}
    )
    return device


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def qr_svg(device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    return svg[svg.index("<svg") :]


@transaction.atomic
def two_factor_confirm(*, user: Any, token: str) -> TOTPDevice | None:
    """Confirm the pending device with a first token; ``None`` when the token is wrong.

    Raises ``TooManyAttempts`` while the device is throttled after wrong codes.
    """
    device = pending_device(user)
    _refuse_while_throttled([device])
    if not device.verify_token(token.strip()):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_append(
        action=AuditAction.UPDATE,
        object_type="people.user",
        object_id=str(user.pk),
        fields=["totp_device"],
    )
    return device


def two_factor_verify(*, user: Any, token: str, address: str | None = None) -> Any | None:
    """The confirmed device that accepts ``token``, or ``None`` (failures are audited, and
    told to the user by e-mail once per burst; ``address`` is the client's, for that mail).

    Raises ``TooManyAttempts`` while every device is throttled after wrong codes.
    """
    devices = list(devices_for_user(user, confirmed=True))
    _refuse_while_throttled(devices)
    for device in devices:
        if device.verify_token(token.strip()):
            return device
    audit_append(
        action=AuditAction.LOGIN_FAILED,
        object_type="people.user",
        object_id=str(user.pk),
        fields=["otp_token"],
    )
    second_factor_failed(user=user, address=address)
    return None


@transaction.atomic
def two_factor_reset(*, user: Any) -> int:
    """Remove every TOTP device of ``user`` (a lost phone); returns how many were removed."""
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    if removed:
        audit_append(
            action=AuditAction.DELETE,
            object_type="people.user",
            object_id=str(user.pk),
            fields=["totp_device"],
        )
    return removed
