"""TOTP enrolment and verification on top of django-otp."""

import base64
from io import BytesIO
from typing import Any

import qrcode
import qrcode.image.svg
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from kuzet.core.audit import audit_append
from kuzet.core.models import AuditAction

DEVICE_NAME = "authenticator"


class TooManyAttempts(Exception):
    """django-otp throttles a device after wrong codes (1 s, 2 s, 4 s … between tries)."""


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
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise TooManyAttempts
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


def two_factor_verify(*, user: Any, token: str) -> Any | None:
    """The confirmed device that accepts ``token``, or ``None`` (failures are audited).

    Raises ``TooManyAttempts`` while every device is throttled after wrong codes.
    """
    devices = list(devices_for_user(user, confirmed=True))
    if devices and not any(device.verify_is_allowed()[0] for device in devices):
        raise TooManyAttempts
    for device in devices:
        if device.verify_token(token.strip()):
            return device
    audit_append(
        action=AuditAction.LOGIN_FAILED,
        object_type="people.user",
        object_id=str(user.pk),
        fields=["otp_token"],
    )
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
