"""Authentication pieces: the backend that keeps demo users out of real deployments, and
the client address the sign-in lockout counts by."""

import ipaddress
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from kuzet.people.demo import DEMO_USERNAMES


class KuzetBackend(ModelBackend):
    """Django's password backend, refusing the demo users outside the demo configuration.

    Their password is published; if a demo database ever reaches a real deployment they
    must not be able to sign in.
    """

    def user_can_authenticate(self, user: Any) -> bool:
        if user.get_username() in DEMO_USERNAMES and not settings.DEMO:
            return False
        return super().user_can_authenticate(user)

    def get_user(self, user_id: int) -> Any:
        user = super().get_user(user_id)
        if user is not None and user.get_username() in DEMO_USERNAMES and not settings.DEMO:
            return None
        return user


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, unless that is a trusted proxy (KUZET_TRUSTED_PROXIES);
    then the rightmost X-Forwarded-For entry that is not a trusted proxy. A direct client's
    header is ignored, so it cannot pick a new address for every guess."""
    address: str | None = request.META.get("REMOTE_ADDR")
    if not _is_trusted_proxy(address):
        return address
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted_proxy(hop):
            return hop
        address = hop
    return address


def _is_trusted_proxy(address: str | None) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.TRUSTED_PROXIES)
