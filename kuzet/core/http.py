"""The signed-in user of a request, typed as the project's ``User`` for the services.

Views behind ``@login_required`` call ``signed_in(request)`` instead of passing
``request.user`` (typed ``User | AnonymousUser``) to services that take a ``User``.
"""

from typing import TYPE_CHECKING

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
