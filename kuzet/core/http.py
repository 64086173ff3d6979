"""The signed-in user of a request, typed as the project's ``User`` for the services.

Views behind ``@login_required`` call ``signed_in(request)`` instead of passing
``request.user`` (typed ``User | AnonymousUser``) to services that take a ``User``.
"""

import ipaddress
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

if TYPE_CHECKING:
    from kuzet.people.models import User


def signed_in(request: HttpRequest) -> "User":
    """``request.user``, refusing an anonymous one (``@login_required`` already redirects it)."""
    user = request.user
    if isinstance(user, AnonymousUser):
        raise PermissionDenied
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
