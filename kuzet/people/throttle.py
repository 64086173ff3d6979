"""Sign-in throttling: growing delays instead of a lock, one policy for the web sign-in and
the field API's device token (docs/security.md, "Sign-in").

Every password attempt is counted, before the password is checked, by counters of failures:

* the account from one address (``ACCOUNT_ADDRESS``): after ``SIGN_IN_FREE_TRIES``
  failures each further attempt waits 1, 2, 4 … seconds, up to ``SIGN_IN_MAX_DELAY``;
* the account from every address (``ACCOUNT``), to which one address adds at most its
  free tries: guessing from many addresses is slowed after ``SIGN_IN_ACCOUNT_FREE_TRIES``,
  up to ``SIGN_IN_ACCOUNT_MAX_DELAY`` — short, because this delay falls on the real user
  too; while one address alone can never start it;
* every account from one address (``ADDRESS``): many logins from one place are slowed
  after ``SIGN_IN_ADDRESS_FREE_TRIES`` (generous: an office behind one NAT address);
* a browser the account signed in from before (``KNOWN_BROWSER``, a signed cookie) counts
  on its own instead of the three above, so nobody sharing the user's address, nor a
  crowd of addresses, can keep the user out of their own browser.

An attempt that must wait is refused without checking the password (``SignInThrottled``,
with the seconds to wait) and counts nothing, so hammering does not lengthen the delay;
a right password clears the account's counters (not the address's). One failure is
forgotten every ``SIGN_IN_FORGIVE_MINUTES``, and a counter a day after its last failure.
The user is e-mailed once per burst of failures (``SIGN_IN_NOTIFY_AFTER``); wrong
second-factor codes, which mean the password is known, are told the same way.

Why not django-axes (which Kuzet used before): axes counts failures within a cool-off
window and locks when they reach one limit; when the window passes it deletes the record,
so a delay cannot grow with the failures, and one limit applies to every lockout
parameter, so "an address adds at most its free tries to the account" and a known browser
cannot be said. The counters here are rows (``people.SignInThrottle``) changed under a
row lock, so parallel guesses queue instead of sharing one budget.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import formats, timezone, translation
from django.utils.crypto import get_random_string, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kuzet.core.http import client_ip
from kuzet.people.models import SignInThrottle, ThrottleScope, User

#: The clock of every decision here; tests replace it instead of sleeping.
clock: Callable[[], datetime] = timezone.now

KNOWN_BROWSER_COOKIE = "kuzet_known_browser"
_COOKIE_SALT = "kuzet.people.throttle.known-browser"
_FORGET_AFTER = timedelta(days=1)


class SignInThrottled(Exception):
    """The attempt came too soon after failures; the password was not checked."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after

    def message(self) -> str:
        return wait_message(self.retry_after)


def wait_message(seconds: int) -> str:
    """ "Try again in N seconds" (minutes from two minutes on), in the active language; the
    same for every login, so it does not tell whether an account exists."""
    if seconds < 120:
        return ngettext(
            "Too many failed attempts. Try again in %(count)d second.",
            "Too many failed attempts. Try again in %(count)d seconds.",
            seconds,
        ) % {"count": seconds}
    minutes = -(-seconds // 60)
    return ngettext(
        "Too many failed attempts. Try again in %(count)d minute.",
        "Too many failed attempts. Try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


@dataclass(frozen=True)
class _Rule:
    free: int
    max_delay: int

    def delay(self, failures: int) -> int:
        """Seconds to wait after the ``failures``-th failure: 1, 2, 4 … from the free tries on."""
        if failures < self.free:
            return 0
        return min(self.max_delay, 2 ** min(failures - self.free, 30))


def _rules() -> dict[str, _Rule]:
    return {
        ThrottleScope.ACCOUNT_ADDRESS: _Rule(
            settings.SIGN_IN_FREE_TRIES, settings.SIGN_IN_MAX_DELAY
        ),
        ThrottleScope.KNOWN_BROWSER: _Rule(settings.SIGN_IN_FREE_TRIES, settings.SIGN_IN_MAX_DELAY),
        ThrottleScope.ACCOUNT: _Rule(
            settings.SIGN_IN_ACCOUNT_FREE_TRIES, settings.SIGN_IN_ACCOUNT_MAX_DELAY
        ),
        ThrottleScope.ADDRESS: _Rule(
            settings.SIGN_IN_ADDRESS_FREE_TRIES, settings.SIGN_IN_ADDRESS_MAX_DELAY
        ),
    }


def _key(*parts: str) -> str:
    """A keyed hash: counters name no login (it may be a typed password) and no address."""
    return salted_hmac("kuzet.people.throttle", "\0".join(parts), algorithm="sha256").hexdigest()


def _account(username: str) -> str:
    # Case and surrounding spaces give an attacker no fresh counter.
    return username.strip().casefold()


@dataclass
class _Attempt:
    account: str
    address: str | None
    user: User | None
    now: datetime
    keys: dict[str, str] = field(default_factory=dict)


def _known_browser(request: HttpRequest, account: str) -> str | None:
    """The nonce of a valid known-browser cookie for ``account``, else ``None``."""
    days = settings.SIGN_IN_KNOWN_BROWSER_DAYS
    value = request.COOKIES.get(KNOWN_BROWSER_COOKIE)
    if not days or not value:
        return None
    try:
        data = signing.loads(value, salt=_COOKIE_SALT, max_age=timedelta(days=days))
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != _key("account", account):
        return None
    nonce = data.get("n")
    return nonce if isinstance(nonce, str) else None


def remember_browser(response: HttpResponse, user: Any) -> None:
    """Mark the browser as one ``user`` signed in from (after a complete sign-in)."""
    days = settings.SIGN_IN_KNOWN_BROWSER_DAYS
    if not days:
        return
    value = signing.dumps(
        {"a": _key("account", _account(user.get_username())), "n": get_random_string(24)},
        salt=_COOKIE_SALT,
    )
    response.set_cookie(
        KNOWN_BROWSER_COOKIE,
        value,
        max_age=days * 86400,
        httponly=True,
        secure=not settings.DEBUG,
        samesite="Lax",
    )


def _counter(scope: str, key: str, attempt: _Attempt) -> SignInThrottle:
    """The counter, locked for this transaction, with forgiven failures taken off."""
    row, _created = SignInThrottle.objects.select_for_update().get_or_create(
        scope=scope,
        key=key,
        defaults={"first_failure_at": attempt.now, "last_failure_at": attempt.now},
    )
    forgiven = int(
        (attempt.now - row.last_failure_at) / timedelta(minutes=settings.SIGN_IN_FORGIVE_MINUTES)
    )
    if forgiven and row.failures:
        row.failures = max(0, row.failures - forgiven)
        if row.failures == 0:
            row.first_failure_at, row.notified_at = attempt.now, None
    return row


def _count(row: SignInThrottle, attempt: _Attempt, *, user: bool, address: bool) -> None:
    row.failures += 1
    row.last_failure_at = attempt.now
    row.user = attempt.user if user else None
    row.address = attempt.address if address else None
    row.save()


@transaction.atomic
def _reserve(request: HttpRequest, username: str) -> _Attempt:
    """Refuse (SignInThrottled) an attempt that must wait; otherwise count it as a failure
    until the password proves otherwise."""
    now = clock()
    SignInThrottle.objects.filter(last_failure_at__lt=now - _FORGET_AFTER).delete()
    account = _account(username)
    address = client_ip(request)
    user = User.objects.filter(username=username).first()
    attempt = _Attempt(account=account, address=address, user=user, now=now)
    rules = _rules()
    nonce = _known_browser(request, account)
    if nonce is not None:
        attempt.keys[ThrottleScope.KNOWN_BROWSER] = _key("browser", account, nonce)
    else:
        attempt.keys[ThrottleScope.ACCOUNT_ADDRESS] = _key(
            "account-address", account, address or ""
        )
        attempt.keys[ThrottleScope.ACCOUNT] = _key("account", account)
        attempt.keys[ThrottleScope.ADDRESS] = _key("address", address or "")
    rows = {scope: _counter(scope, key, attempt) for scope, key in attempt.keys.items()}
    wait = max(
        (row.last_failure_at + timedelta(seconds=rules[scope].delay(row.failures)) - now)
        for scope, row in rows.items()
    )
    if wait > timedelta(0):
        raise SignInThrottled(max(1, -int(-wait.total_seconds() // 1)))
    if nonce is not None:
        _count(rows[ThrottleScope.KNOWN_BROWSER], attempt, user=True, address=False)
        return attempt
    _count(rows[ThrottleScope.ACCOUNT_ADDRESS], attempt, user=True, address=True)
    _count(rows[ThrottleScope.ADDRESS], attempt, user=False, address=True)
    # One address adds at most its free tries to the account: alone it cannot slow the
    # account for everyone else.
    if rows[ThrottleScope.ACCOUNT_ADDRESS].failures <= settings.SIGN_IN_FREE_TRIES:
        _count(rows[ThrottleScope.ACCOUNT], attempt, user=True, address=False)
    return attempt


@transaction.atomic
def _clear(attempt: _Attempt) -> None:
    keys = Q(scope=ThrottleScope.ACCOUNT, key=_key("account", attempt.account))
    for scope in (ThrottleScope.ACCOUNT_ADDRESS, ThrottleScope.KNOWN_BROWSER):
        if scope in attempt.keys:
            keys |= Q(scope=scope, key=attempt.keys[scope])
    keys |= Q(scope=ThrottleScope.NOTICE, key=_key("notice", attempt.account))
    SignInThrottle.objects.filter(keys).delete()


def sign_in_authenticate(request: HttpRequest, *, username: str, password: str) -> Any | None:
    """Django's ``authenticate()`` behind the throttle: the user, or ``None`` for a wrong
    login or password (audited by the auth signal). Raises ``SignInThrottled``."""
    attempt = _reserve(request, username)
    user = authenticate(request, username=username, password=password)
    if user is None:
        _tell_user(attempt, scope=ThrottleScope.NOTICE)
    else:
        _clear(attempt)
    return user


def second_factor_failed(*, user: Any, address: str | None) -> None:
    """A wrong second-factor code (django-otp delays the next try): told to the user by
    e-mail once per burst, since whoever typed it knew the password."""
    attempt = _Attempt(
        account=_account(user.get_username()), address=address, user=user, now=clock()
    )
    _tell_user(attempt, scope=ThrottleScope.NOTICE_SECOND_FACTOR)


@transaction.atomic
def _tell_user(attempt: _Attempt, *, scope: str) -> None:
    """Count a failure of the burst; e-mail the user when the burst reaches the limit."""
    row = _counter(scope, _key("notice", attempt.account), attempt)
    _count(row, attempt, user=True, address=True)
    user = attempt.user
    if row.notified_at is not None or row.failures < settings.SIGN_IN_NOTIFY_AFTER:
        return
    row.notified_at = attempt.now
    row.save(update_fields=["notified_at"])
    if user is not None and user.email and user.is_active:
        _send_notice(user, row, second_factor=scope == ThrottleScope.NOTICE_SECOND_FACTOR)


def _send_notice(user: User, row: SignInThrottle, *, second_factor: bool) -> None:
    """The e-mail: how many, since when, the latest address and time — never what was typed."""
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        facts = {
            "count": row.failures,
            "username": user.get_username(),
            "since": formats.date_format(
                timezone.localtime(row.first_failure_at), "DATETIME_FORMAT"
            ),
            "time": formats.date_format(timezone.localtime(row.last_failure_at), "DATETIME_FORMAT"),
            "address": row.address or _("unknown"),
        }
        if second_factor:
            subject = _("Wrong sign-in codes for your Kuzet account")
            body = (
                _(
                    "Your Kuzet password (login %(username)s) was entered correctly, followed "
                    "by %(count)d wrong codes from the authenticator app since %(since)s; the "
                    "latest at %(time)s from the address %(address)s.\n\n"
                    "If this was not you, someone knows your password: change it now and tell "
                    "your administrator."
                )
                % facts
            )
        else:
            subject = _("Failed sign-ins to your Kuzet account")
            body = (
                _(
                    "There have been %(count)d failed attempts to sign in to your Kuzet account "
                    "(login %(username)s) since %(since)s; the latest at %(time)s from the "
                    "address %(address)s. Further attempts are being slowed down.\n\n"
                    "If this was you, nothing needs doing. If not, tell your administrator; if "
                    "your password is easy to guess, change it."
                )
                % facts
            )
    send_mail(subject, body, None, [user.email], fail_silently=True)
