"""The visit personas and fixtures of the visit tests serve here too."""

from kuzet.visits.tests.conftest import in_english, leader, member, visit  # noqa: F401
