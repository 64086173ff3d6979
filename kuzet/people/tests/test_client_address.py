"""The client address the sign-in lockout counts by: X-Forwarded-For only from trusted proxies."""

import ipaddress

import pytest
from django.conf import settings
from django.test import Client, override_settings

from kuzet.people.models import User

pytestmark = pytest.mark.django_db

PROXIES = (ipaddress.ip_network("10.0.0.0/8"),)


def guess(client: Client, forwarded_for: str, remote_addr: str) -> int:
    response = client.post(
        "/accounts/login/",
        {"username": "alia", "password": "guess"},
        HTTP_X_FORWARDED_FOR=forwarded_for,
        REMOTE_ADDR=remote_addr,
    )
    return response.status_code


# TRUSTED_PROXY_COUNT is the setting this replaced; with it a direct client picked its address.
@override_settings(TRUSTED_PROXIES=PROXIES, TRUSTED_PROXY_COUNT=1)
def test_a_direct_client_varying_x_forwarded_for_is_still_locked(participant: User) -> None:
    client = Client()
    statuses = [
        guess(client, f"198.51.100.{n}", "203.0.113.7")
        for n in range(settings.AXES_FAILURE_LIMIT + 1)
    ]
    assert statuses[-1] == 429


@override_settings(TRUSTED_PROXIES=PROXIES, TRUSTED_PROXY_COUNT=1)
def test_through_a_trusted_proxy_the_forwarded_address_counts(participant: User) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        guess(client, "198.51.100.1, 10.0.0.2", "10.0.0.1")
    # Another client behind the same proxies is not locked by the first one's failures.
    assert guess(client, "198.51.100.2, 10.0.0.2", "10.0.0.1") != 429
    assert guess(client, "198.51.100.1, 10.0.0.2", "10.0.0.1") == 429
