"""A planned visit in 'our' region with a leader and a member, for the visit tests."""

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from django.utils import translation

from kuzet.conftest import InstitutionFactory
from kuzet.core.policy import Role
from kuzet.people.models import User
from kuzet.visits.models import TeamMember, Visit
from kuzet.visits.services.planning import TeamPlace, visit_plan


@pytest.fixture
def leader(make_user: Callable[..., User]) -> User:
    return make_user(Role.GROUP_LEADER, username="leader")


@pytest.fixture
def member(make_user: Callable[..., User]) -> User:
    return make_user(Role.PARTICIPANT, username="member")


@pytest.fixture
def visit(coordinator: User, leader: User, member: User) -> Visit:
    return visit_plan(
        actor=coordinator,
        institution=InstitutionFactory(name_ru="ИВС Алмалинского района"),
        planned_date=date(2026, 12, 1),
        team=[TeamPlace(leader, TeamMember.Role.LEADER), TeamPlace(member, TeamMember.Role.MEMBER)],
        objectives="Проверка условий содержания",
    )


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """Messages are asserted in English here."""
    with translation.override("en"):
        yield
