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

# The groups of other regions that carried out the demo year's visits there. Fictional
# people without a password: the demo is tried with the accounts above.
DEMO_REGIONAL_PEOPLE: dict[str, list[tuple[str, Role, str]]] = {
    "750000000": [("demo-almaty-member", Role.PARTICIPANT, "Жанар Оспанова (демо)")],
    "710000000": [
        ("demo-astana-coordinator", Role.COORDINATOR, "Ерлан Сыздыков (демо)"),
        ("demo-astana-leader", Role.GROUP_LEADER, "Айгерим Бекова (демо)"),
        ("demo-astana-member", Role.PARTICIPANT, "Тимур Ахметов (демо)"),
        ("demo-astana-doctor", Role.PARTICIPANT, "Гульнара Исаева, врач (демо)"),
    ],
    "350000000": [
        ("demo-karaganda-coordinator", Role.COORDINATOR, "Ольга Ким (демо)"),
        ("demo-karaganda-leader", Role.GROUP_LEADER, "Серик Жумабаев (демо)"),
        ("demo-karaganda-member", Role.PARTICIPANT, "Наталья Петренко (демо)"),
    ],
    "610000000": [
        ("demo-turkestan-coordinator", Role.COORDINATOR, "Бахтияр Турсунов (демо)"),
        ("demo-turkestan-leader", Role.GROUP_LEADER, "Динара Абдуллаева (демо)"),
        ("demo-turkestan-member", Role.PARTICIPANT, "Мурат Есенов (демо)"),
    ],
    "630000000": [
        ("demo-vko-coordinator", Role.COORDINATOR, "Андрей Соколов (демо)"),
        ("demo-vko-leader", Role.GROUP_LEADER, "Асель Нурланова (демо)"),
        ("demo-vko-member", Role.PARTICIPANT, "Руслан Каиров (демо)"),
    ],
    "550000000": [
        ("demo-pavlodar-coordinator", Role.COORDINATOR, "Марина Шевченко (демо)"),
        ("demo-pavlodar-leader", Role.GROUP_LEADER, "Кайрат Омаров (демо)"),
        ("demo-pavlodar-member", Role.PARTICIPANT, "Елена Воронина (демо)"),
    ],
}


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
    created += _demo_regional_people_create()
    return created


def _demo_regional_people_create() -> list[str]:
    created: list[str] = []
    for kato, people in DEMO_REGIONAL_PEOPLE.items():
        region = Region.objects.get(kato=kato)
        group = RegionalGroup.objects.filter(region=region, name__endswith="(демо)").first()
        if group is None:
            group = RegionalGroup(
                region=region, name=f"Региональная группа НПМ, {region.name_ru} (демо)"
            )
            group.full_clean()
            group.save()
        for username, role, full_name in people:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, role=role, full_name=full_name)
                user.set_unusable_password()
                user.full_clean()
                user.save()
                created.append(username)
            if not GroupMembership.objects.filter(group=group, user=user).exists():
                GroupMembership(group=group, user=user).save()
    return created
