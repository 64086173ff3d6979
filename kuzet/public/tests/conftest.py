"""The public site's tests share the portal's data: a visit sent with recommendations to
two addressees, and their officials."""

from kuzet.portal.tests.conftest import (  # noqa: F401  (fixtures)
    messages_in_english,
    official,
    official_client,
    other_official,
    police,
    prosecutor,
    recommendations,
)
