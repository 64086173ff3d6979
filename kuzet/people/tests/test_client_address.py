"""The client address sign-in throttling counts by: X-Forwarded-For only from trusted proxies,
on the web sign-in page and on the field API's device-token sign-in alike."""

import ipaddress
import json
from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client, override_settings

from kuzet.people.models import User

pytestmark = pytest.mark.django_db

PROXIES = (ipaddress.ip_network("10.0.0.0/8"),)


def web_guess(client: Client, forwarded_for: str, remote_addr: str) -> int:
    response = client.post(
        "/accounts/login/",
        {"username": "alia", "password": "guess"},
        HTTP_X_FORWARDED_FOR=forwarded_for,
        REMOTE_ADDR=remote_addr,
    )
    return response.status_code


def api_guess(client: Client, forwarded_for: str, remote_addr: str) -> int:
    body = {"username": "alia", "password": "guess", "device_name": "Tablet"}
    response = client.post(
        "/api/v1/auth/device-token",
        json.dumps(body),
        content_type="application/json",
        HTTP_X_FORWARDED_FOR=forwarded_for,
        REMOTE_ADDR=remote_addr,
    )
    return response.status_code


GUESSES = [web_guess, api_guess]


# TRUSTED_PROXY_COUNT is the setting this replaced; with it a direct client picked its address.
@override_settings(TRUSTED_PROXIES=PROXIES, TRUSTED_PROXY_COUNT=1)
@pytest.mark.parametrize("guess", GUESSES)
def test_a_direct_client_varying_x_forwarded_for_gets_no_fresh_budget(
    participant: User, guess: Callable[[Client, str, str], int]
) -> None:
    client = Client()
    statuses = [
        guess(client, f"198.51.100.{n}", "203.0.113.7")
        for n in range(settings.SIGN_IN_FREE_TRIES + 1)
    ]
    assert 429 not in statuses[:-1]
    assert statuses[-1] == 429


@override_settings(TRUSTED_PROXIES=PROXIES, TRUSTED_PROXY_COUNT=1)
@pytest.mark.parametrize("guess", GUESSES)
def test_through_a_trusted_proxy_the_forwarded_address_counts(
    participant: User, guess: Callable[[Client, str, str], int]
) -> None:
    client = Client()
    for _ in range(settings.SIGN_IN_FREE_TRIES):
        guess(client, "198.51.100.1, 10.0.0.2", "10.0.0.1")
    # Another client behind the same proxies is not slowed by the first one's failures.
    assert guess(client, "198.51.100.2, 10.0.0.2", "10.0.0.1") != 429
    assert guess(client, "198.51.100.1, 10.0.0.2", "10.0.0.1") == 429


@override_settings(TRUSTED_PROXIES=PROXIES)
def test_a_client_cannot_slip_its_own_address_in_front_of_the_proxy(participant: User) -> None:
    # The proxy appends the address it saw; what the client wrote before it is not trusted.
    client = Client()
    for n in range(settings.SIGN_IN_FREE_TRIES):
        web_guess(client, f"198.51.100.{n}, 203.0.113.7", "10.0.0.1")
    assert web_guess(client, "198.51.100.99, 203.0.113.7", "10.0.0.1") == 429
