"""Demo people: one user per role with a known password, for trying Kuzet out.

Only the demo configuration (KUZET_DEMO with KUZET_DEBUG) may create them.
"""

from dataclasses import dataclass

from django.db import transaction

from kuzet.core.policy import Role
from kuzet.people.models import GroupMembership, RegionalGroup, User
from kuzet.registry.models import Region

DEMO_PASSWORD = "kuzet-demo-2026"  # noqa: S105  (published on purpose; demo configuration only)
DEMO_GROUP_REGION_KATO = "750000000"  # Almaty city


@dataclass(frozen=True)
class DemoPerson:
    username: str
    role: Role
    full_name: str
    in_group: bool


DEMO_PEOPLE = [
    DemoPerson("demo-admin", Role.ADMINISTRATOR, "Администратор (демо)", False),
    DemoPerson("demo-secretariat", Role.SECRETARIAT, "Секретариат НПМ (демо)", False),
    DemoPerson("demo-council", Role.COUNCIL, "Член Координационного совета (демо)", False),
    DemoPerson("demo-auditor", Role.AUDITOR, "Аудитор (демо)", False),
    DemoPerson("demo-coordinator", Role.COORDINATOR, "Координатор, г. Алматы (демо)", True),
    DemoPerson("demo-leader", Role.GROUP_LEADER, "Руководитель группы, г. Алматы (демо)", True),
    DemoPerson("demo-participant", Role.PARTICIPANT, "Участник НПМ, г. Алматы (демо)", True),
]
DEMO_USERNAMES = frozenset(person.username for person in DEMO_PEOPLE)


@transaction.atomic
def demo_people_create() -> list[str]:
    """Create the demo users and their regional group if missing; returns the new logins."""
    region = Region.objects.get(kato=DEMO_GROUP_REGION_KATO)
    group = RegionalGroup.objects.filter(region=region, name__endswith="(демо)").first()
    if group is None:
        group = RegionalGroup(
            region=region, name=f"Региональная группа НПМ, {region.name_ru} (демо)"
        )
        group.full_clean()
        group.save()
    created: list[str] = []
    for person in DEMO_PEOPLE:
        user = User.objects.filter(username=person.username).first()
        if user is None:
            user = User(username=person.username, role=person.role, full_name=person.full_name)
            user.set_password(DEMO_PASSWORD)
            user.full_clean()
            user.save()
            created.append(person.username)
        if person.in_group and not GroupMembership.objects.filter(group=group, user=user).exists():
            GroupMembership(group=group, user=user).save()
    return created
