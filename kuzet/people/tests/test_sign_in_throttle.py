"""Sign-in throttling (people.throttle): growing delays that nobody can turn into a lock-out,
counted alike for the web sign-in page and the field API's device token. Time is the
throttle's clock (``sign_in_clock``), moved by the tests; nothing sleeps."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from kuzet.conftest import PASSWORD, Clock
from kuzet.core.policy import Role
from kuzet.people.models import SignInThrottle, ThrottleScope, User

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
OFFICE = "198.51.100.10"


def web(client: Client, username: str, password: str, address: str, lang: str = "en") -> Any:
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE=lang,
    )


def api(client: Client, username: str, password: str, address: str, lang: str = "en") -> Any:
    body = {"username": username, "password": password, "device_name": "Tablet"}
    return client.post(
        "/api/v1/auth/device-token",
        json.dumps(body),
        content_type="application/json",
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE=lang,
    )


def signed_in(response: Any) -> bool:
    return response.status_code in (201, 302)


SIGN_INS = [web, api]


@pytest.mark.parametrize("sign_in", SIGN_INS)
def test_after_the_free_tries_each_delay_doubles(
    participant: User, sign_in_clock: Clock, sign_in: Callable[..., Any]
) -> None:
    client = Client()
    for _ in range(settings.SIGN_IN_FREE_TRIES):
        assert sign_in(client, "alia", "guess", ATTACKER).status_code != 429
    for delay in (1, 2, 4, 8):
        refused = sign_in(client, "alia", PASSWORD, ATTACKER)  # even the right password
        assert refused.status_code == 429
        assert refused["Retry-After"] == str(delay)
        # Asking again at once is refused without counting: the delay does not grow.
        assert sign_in(client, "alia", "guess", ATTACKER)["Retry-After"] == str(delay)
        sign_in_clock.advance(delay)
        assert sign_in(client, "alia", "guess", ATTACKER).status_code in (200, 401)
    sign_in_clock.advance(16)
    assert signed_in(sign_in(client, "alia", PASSWORD, ATTACKER))


@override_settings(SIGN_IN_MAX_DELAY=30)
def test_the_delay_stops_growing_at_its_cap(participant: User, sign_in_clock: Clock) -> None:
    client = Client()
    waits = []
    for _ in range(settings.SIGN_IN_FREE_TRIES + 8):
        response = web(client, "alia", "guess", ATTACKER)
        if response.status_code == 429:
            waits.append(int(response["Retry-After"]))
            sign_in_clock.advance(waits[-1])
            web(client, "alia", "guess", ATTACKER)
    assert max(waits) == 30
    assert waits[-3:] == [30, 30, 30]


@pytest.mark.parametrize("sign_in", SIGN_INS)
def test_98_failures_from_one_address_keep_the_user_out_for_a_second_at_most(
    participant: User, sign_in_clock: Clock, sign_in: Callable[..., Any]
) -> None:
    """The probe's finding: 98 failures from a shared address locked the user out (django-axes
    locked that username at that address for 15 minutes)."""
    attacker = Client()
    for _ in range(98):
        sign_in(attacker, "alia", "guess", OFFICE)
    # From anywhere else the user is not slowed at all …
    assert signed_in(sign_in(Client(), "alia", PASSWORD, "192.0.2.20"))
    # … and at the attacker's own address only for the last delay: refused attempts count
    # nothing, so 93 of the 98 added no delay.
    assert sign_in(Client(), "alia", PASSWORD, OFFICE)["Retry-After"] == "1"
    sign_in_clock.advance(1)
    assert signed_in(sign_in(Client(), "alia", PASSWORD, OFFICE))


@pytest.mark.parametrize("sign_in", SIGN_INS)
def test_a_browser_the_user_signed_in_from_is_not_kept_out_by_others_at_its_address(
    participant: User, sign_in_clock: Clock, sign_in: Callable[..., Any]
) -> None:
    browser = Client()
    assert signed_in(sign_in(browser, "alia", PASSWORD, OFFICE))
    browser.post("/accounts/logout/")
    # A colleague at the same office address guesses patiently, waiting out every delay.
    attacker = Client()
    for _ in range(40):
        response = web(attacker, "alia", "guess", OFFICE)
        if response.status_code == 429:
            sign_in_clock.advance(int(response["Retry-After"]))
    web(attacker, "alia", "guess", OFFICE)
    refused = web(attacker, "alia", PASSWORD, OFFICE)
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(settings.SIGN_IN_MAX_DELAY)
    assert signed_in(sign_in(browser, "alia", PASSWORD, OFFICE))


def test_a_known_browser_cookie_is_worth_nothing_for_another_account_or_when_forged(
    participant: User, make_user: Callable[..., User]
) -> None:
    make_user(Role.PARTICIPANT, username="bolat")
    own = Client()
    assert signed_in(web(own, "bolat", PASSWORD, ATTACKER))
    cookie = own.cookies["kuzet_known_browser"].value
    for value in (cookie, cookie[:-2] + "xx"):
        attacker = Client()
        attacker.cookies["kuzet_known_browser"] = value
        for _ in range(settings.SIGN_IN_FREE_TRIES):
            web(attacker, "alia", "guess", ATTACKER)
        assert web(attacker, "alia", PASSWORD, ATTACKER).status_code == 429
        SignInThrottle.objects.all().delete()


@pytest.mark.parametrize("sign_in", SIGN_INS)
def test_guesses_for_one_account_from_many_addresses_are_slowed(
    participant: User, sign_in: Callable[..., Any]
) -> None:
    browser = Client()
    assert signed_in(web(browser, "alia", PASSWORD, OFFICE))
    statuses = [
        sign_in(Client(), "alia", "guess", f"192.0.2.{n}").status_code
        for n in range(1, settings.SIGN_IN_ACCOUNT_FREE_TRIES + 2)
    ]
    assert 429 not in statuses[:-1]
    refused = sign_in(Client(), "alia", PASSWORD, "192.0.2.200")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) <= settings.SIGN_IN_ACCOUNT_MAX_DELAY
    # The user's own browser counts on its own.
    assert signed_in(web(browser, "alia", PASSWORD, OFFICE))


@override_settings(SIGN_IN_ADDRESS_FREE_TRIES=12)
@pytest.mark.parametrize("sign_in", SIGN_INS)
def test_many_logins_from_one_address_are_slowed(
    participant: User, sign_in: Callable[..., Any]
) -> None:
    client = Client()
    for n in range(12):
        assert sign_in(client, f"guess{n}", "guess", ATTACKER).status_code != 429
    assert sign_in(client, "alia", PASSWORD, ATTACKER).status_code == 429
    assert signed_in(sign_in(Client(), "alia", PASSWORD, OFFICE))


def test_the_delay_says_nothing_of_whether_the_account_exists(participant: User) -> None:
    answers = []
    for username in ("alia", "nobody-here"):
        client = Client()
        for _ in range(settings.SIGN_IN_FREE_TRIES):
            api(client, username, "guess", ATTACKER)
        page = web(client, username, "guess", ATTACKER)
        problem = api(client, username, "guess", ATTACKER)
        answers.append((page.status_code, page["Retry-After"], problem.json()))
        SignInThrottle.objects.all().delete()
    assert answers[0] == answers[1]
    assert answers[0][:2] == (429, "1")


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Too many failed attempts. Try again in 1 second."),
        ("ru", "Слишком много неудачных попыток. Повторите через 1 секунду."),
        ("kk", "Сәтсіз әрекеттер тым көп. 1 секундтан кейін қайталаңыз."),
    ],
)
def test_the_wait_is_said_in_the_users_language(participant: User, lang: str, text: str) -> None:
    client = Client()
    for _ in range(settings.SIGN_IN_FREE_TRIES):
        web(client, "alia", "guess", ATTACKER, lang)
    assert text in web(client, "alia", "guess", ATTACKER, lang).content.decode()
    problem = api(client, "alia", "guess", ATTACKER, lang)
    assert problem.json()["title"] == text


def test_the_device_token_api_shares_the_web_counters_and_answers_a_clear_429(
    participant: User, sign_in_clock: Clock
) -> None:
    client = Client()
    for n in range(settings.SIGN_IN_FREE_TRIES):
        (web if n % 2 else api)(client, "alia", "guess", ATTACKER)
    refused = api(client, "alia", PASSWORD, ATTACKER)
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert refused["Retry-After"] == "1"
    assert refused.json()["code"] == "sign_in_throttled"
    assert refused.json()["retry_after"] == 1
    assert "token" not in refused.json()
    sign_in_clock.advance(1)
    assert api(client, "alia", PASSWORD, ATTACKER).status_code == 201


def test_the_user_is_emailed_once_per_burst_of_failures(
    participant: User, sign_in_clock: Clock
) -> None:
    participant.email = "alia@example.kz"
    participant.save()
    secret_guesses = [f"secret-guess-{n}" for n in range(25)]
    for n, guess in enumerate(secret_guesses):
        api(Client(), "alia", guess, f"192.0.2.{n + 1}")
        sign_in_clock.advance(61)  # slow enough never to be refused
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == ["alia@example.kz"]
    assert str(settings.SIGN_IN_NOTIFY_AFTER) in notice.body
    assert f"192.0.2.{settings.SIGN_IN_NOTIFY_AFTER}" in notice.body  # the latest address
    assert not any(guess in notice.body for guess in secret_guesses)
    assert PASSWORD not in notice.body
    # A right password ends the burst; the next one is told again.
    assert signed_in(web(Client(), "alia", PASSWORD, OFFICE))
    for n in range(settings.SIGN_IN_NOTIFY_AFTER):
        web(Client(), "alia", "guess", f"192.0.2.{n + 100}")
        sign_in_clock.advance(61)
    assert len(mail.outbox) == 2


def test_the_mail_is_in_the_users_language_and_unknown_logins_mail_nobody(
    participant: User, sign_in_clock: Clock
) -> None:
    participant.email = "alia@example.kz"
    participant.preferred_language = "kk"
    participant.save()
    for n in range(settings.SIGN_IN_NOTIFY_AFTER):
        web(Client(), "nobody-here", "guess", f"192.0.2.{n + 1}")
        web(Client(), "alia", "guess", f"192.0.2.{n + 1}")
        sign_in_clock.advance(61)
    assert len(mail.outbox) == 1
    assert "Kuzet" in mail.outbox[0].subject and "сәтсіз" in mail.outbox[0].body


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0, SIGN_IN_NOTIFY_AFTER=3)
def test_wrong_second_factor_codes_are_told_to_the_user_once(
    make_user: Callable[..., User],
) -> None:
    user = make_user(
        Role.PARTICIPANT, username="careful", email="careful@example.kz", preferred_language="en"
    )
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    web(client, "careful", PASSWORD, ATTACKER)
    for _ in range(5):
        client.post("/accounts/two-factor/", {"token": "000000"}, REMOTE_ADDR=ATTACKER)
    assert len(mail.outbox) == 1
    assert "000000" not in mail.outbox[0].body
    assert ATTACKER in mail.outbox[0].body
    assert "password" in mail.outbox[0].body  # "… was entered correctly"


def test_an_administrator_lifts_a_delay_by_deleting_its_counter(
    participant: User, administrator: User, client_for: Callable[[User], Client]
) -> None:
    client = Client()
    for _ in range(settings.SIGN_IN_FREE_TRIES):
        web(client, "alia", "guess", ATTACKER)
    assert web(client, "alia", PASSWORD, ATTACKER).status_code == 429
    admin = client_for(administrator)
    listing = admin.get("/admin/people/signinthrottle/")
    assert listing.status_code == 200
    assert b"guess" not in listing.content
    counters = SignInThrottle.objects.filter(user=participant).exclude(scope=ThrottleScope.NOTICE)
    admin.post(
        "/admin/people/signinthrottle/",
        {"action": "delete_selected", "_selected_action": [c.pk for c in counters], "post": "yes"},
    )
    assert signed_in(web(client, "alia", PASSWORD, ATTACKER))


def test_counters_name_no_typed_login(participant: User) -> None:
    web(Client(), "my-password-typed-as-login", "guess", ATTACKER)
    for counter in SignInThrottle.objects.all():
        assert "my-password" not in counter.key
        assert counter.user is None
