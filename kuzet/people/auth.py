"""Authentication pieces: the backend that keeps demo users out of real deployments, and
the client address the sign-in lockout counts by."""

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

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
