"""Shared personas, factories and fixtures for Kuzet's tests.

Personas have fixed roles and regions: Almaty city is "our" region, Astana the "other".
Fixtures used by the tests of more than one app live here (a planned visit with its team,
the published test checklist, a signed-in tablet); an app's own live in its conftest.
"""

import functools
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import factory
import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.utils import timezone, translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from kuzet.core.policy import Role
from kuzet.core.tests.browser import browser_page, demo_server  # noqa: F401  (shared fixtures)
from kuzet.core.tests.committing import flushable_audit_trail  # noqa: F401  (shared fixture)
from kuzet.field.services import device_token_issue
from kuzet.field.tests.device import Device
from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.tests.xlsforms import xlsform_publish
from kuzet.people import throttle
from kuzet.people.models import GroupMembership, RegionalGroup, User
from kuzet.quality import ruledata
from kuzet.registry.models import Institution, InstitutionType, Region
from kuzet.visits.models import TeamMember, Visit
from kuzet.visits.services.planning import TeamPlace, visit_plan

PASSWORD = "correct-horse-battery-staple"
OWN_REGION_KATO = "750000000"  # Almaty city
OTHER_REGION_KATO = "710000000"  # Astana


@functools.cache
def password_hash() -> str:
    """PASSWORD hashed once per process: an Argon2 hash costs a third of a second by design,
    and every persona has the same password (each still signs in through Argon2)."""
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="ru_RU")
    role = Role.PARTICIPANT
    password = factory.LazyFunction(password_hash)


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name_ru = factory.Sequence(lambda n: f"Учреждение № {n}")
    name_kk = factory.Sequence(lambda n: f"№ {n} мекеме")
    type = factory.LazyFunction(lambda: InstitutionType.objects.get(code="ivs"))
    department = factory.LazyAttribute(lambda o: o.type.department)
    region = factory.LazyFunction(lambda: Region.objects.get(kato=OWN_REGION_KATO))
    capacity = 50
    population = 40


@pytest.fixture
def own_region(db: Any) -> Region:
    return Region.objects.get(kato=OWN_REGION_KATO)


@pytest.fixture
def other_region(db: Any) -> Region:
    return Region.objects.get(kato=OTHER_REGION_KATO)


@pytest.fixture
def make_user(db: Any, own_region: Region) -> Callable[..., User]:
    """make_user(role, region=own_region) — a regional role is put in a group of ``region``."""

    def make(role: Role, region: Region | None = None, **fields: Any) -> User:
        user: User = UserFactory(role=role, **fields)  # type: ignore[assignment]
        if role in (Role.PARTICIPANT, Role.GROUP_LEADER, Role.COORDINATOR):
            target = region or own_region
            group, _ = RegionalGroup.objects.get_or_create(
                region=target, name=f"Группа {target.kato}"
            )
            GroupMembership.objects.create(group=group, user=user)
        if role == Role.ADDRESSEE:  # an official is bound to one addressee (kuzet.portal)
            from kuzet.portal.models import Official
            from kuzet.recommendations.models import Addressee

            Official.objects.create(user=user, addressee=Addressee.objects.order_by("pk")[0])
        return user

    return make


@pytest.fixture
def participant(make_user: Callable[..., User]) -> User:
    return make_user(Role.PARTICIPANT, username="alia")


@pytest.fixture
def coordinator(make_user: Callable[..., User]) -> User:
    return make_user(Role.COORDINATOR, username="bolat")


@pytest.fixture
def secretariat(make_user: Callable[..., User]) -> User:
    return make_user(Role.SECRETARIAT, username="saule")


@pytest.fixture
def administrator(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMINISTRATOR, username="admin")


@pytest.fixture
def auditor(make_user: Callable[..., User]) -> User:
    return make_user(Role.AUDITOR, username="auditor")


@pytest.fixture
def client_for(db: Any) -> Callable[[User], Client]:
    """A test client signed in as ``user``, with a verified second factor where the role needs one."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        if user.needs_two_factor:
            device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return client

    return make


class Clock:
    """The sign-in throttle's clock in tests: stands still until a test moves it."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def text_rules_of_this_test(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The text rules are read afresh for each test: the lists a test edited (rolled back
    with its database) do not judge the next one's texts. A test without a database judges
    on the shipped files, as ``check_texts`` does where there is none."""
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "django_db_setup"} & set(request.fixturenames)
    )
    if not uses_db:
        monkeypatch.setattr(ruledata, "_overrides", lambda: None)
    ruledata.recheck()


@pytest.fixture(autouse=True)
def sign_in_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Every test's sign-in delays run on a still clock: no test depends on how fast
    the machine is, and none sleeps to wait a delay out."""
    clock = Clock()
    monkeypatch.setattr(throttle, "clock", clock)
    return clock


@pytest.fixture
def in_english() -> Iterator[None]:
    """Messages in English, for tests that assert them (an app whose tests all do asks for
    this in its conftest)."""
    with translation.override("en"):
        yield


@pytest.fixture
def leader(make_user: Callable[..., User]) -> User:
    return make_user(Role.GROUP_LEADER, username="leader")


@pytest.fixture
def member(make_user: Callable[..., User]) -> User:
    return make_user(Role.PARTICIPANT, username="member")


@pytest.fixture
def visit(coordinator: User, leader: User, member: User) -> Visit:
    """A planned visit in "our" region, with a leader and a member."""
    institution: Institution = InstitutionFactory(name_ru="ИВС Алмалинского района")  # type: ignore[assignment]
    return visit_plan(
        actor=coordinator,
        institution=institution,
        planned_date=date(2026, 12, 1),
        team=[TeamPlace(leader, TeamMember.Role.LEADER), TeamPlace(member, TeamMember.Role.MEMBER)],
        objectives="Проверка условий содержания",
    )


@pytest.fixture
def checklist(secretariat: User) -> InstrumentVersion:
    """The test checklist of kuzet/instruments/tests/xlsforms.py, published, for ИВС."""
    return xlsform_publish(secretariat)


@pytest.fixture(scope="session")
def server_key_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One field server key for the whole run (created by the code under test on first use)."""
    return tmp_path_factory.mktemp("field-key") / "field-private-key.pem"


@pytest.fixture
def server_key(settings: Any, server_key_path: Path) -> Path:
    """The run's RSA key (envelope v1) and, beside it, its P-256 key (envelope v2)."""
    settings.FIELD_PRIVATE_KEY_FILE = server_key_path
    settings.FIELD_OLD_PRIVATE_KEY_FILES = []
    settings.FIELD_EC_PRIVATE_KEY_FILE = server_key_path.with_name("field-ec-private-key.pem")
    settings.FIELD_OLD_EC_PRIVATE_KEY_FILES = []
    return server_key_path


@pytest.fixture
def device_for(db: Any, server_key: Path) -> Callable[[User], Device]:
    """A tablet signed in as ``user`` (a device token of its own), talking to the field API."""

    def make(user: User) -> Device:
        _row, token = device_token_issue(user=user, name="Tablet 3")
        return Device(token=token)

    return make
