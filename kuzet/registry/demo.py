"""Synthetic demo institutions: about 300 across all regions, deterministic, marked as demo."""

import random
from datetime import date, timedelta

from django.db import transaction

from kuzet.registry.models import Institution, InstitutionType, Region

# (type code, how many per region, capacity range)
DEMO_MIX: list[tuple[str, int, tuple[int, int]]] = [
    ("ivs", 3, (20, 80)),
    ("special-reception", 1, (15, 60)),
    ("sizo", 1, (200, 900)),
    ("penal-medium", 2, (400, 1500)),
    ("penal-minimum", 1, (200, 700)),
    ("juvenile-adaptation", 1, (15, 40)),
    ("psychiatric", 1, (80, 400)),
    ("narcology", 1, (40, 150)),
    ("childrens-home", 1, (30, 120)),
    ("medical-social", 1, (100, 400)),
    ("special-education", 1, (40, 150)),
]
# Only some regions have these.
DEMO_RARE: list[tuple[str, float, tuple[int, int]]] = [
    ("guardhouse", 0.5, (10, 40)),
    ("medical-social-psychoneuro", 0.4, (150, 500)),
    ("penal-maximum", 0.25, (500, 1200)),
    ("nsc-detention", 0.2, (20, 80)),
]
STREETS = [
    "Абая",
    "Толе би",
    "Республики",
    "Сейфуллина",
    "Байтурсынова",
    "Жибек жолы",
    "Ауэзова",
    "Кунаева",
]


@transaction.atomic
def demo_institutions_create(*, seed: int = 2026) -> int:
    """Create the demo institutions that do not exist yet; returns how many were created."""
    rng = random.Random(seed)  # noqa: S311  (synthetic data, not cryptography)
    types = {t.code: t for t in InstitutionType.objects.select_related("department")}
    created = 0
    for region in Region.objects.order_by("kato"):
        plan: list[tuple[str, int, tuple[int, int]]] = list(DEMO_MIX)
        plan += [(code, 1, caps) for code, share, caps in DEMO_RARE if rng.random() < share]
        for code, count, (low, high) in plan:
            inst_type = types[code]
            for number in range(1, count + 1):
                capacity = rng.randint(low, high)
                population = round(capacity * rng.uniform(0.45, 1.15))
                street = rng.randrange(len(STREETS))
                house = rng.randint(1, 180)
                name_ru = f"{inst_type.short_name_ru} № {number}, {region.centre_ru} (демо)"
                institution = Institution(
                    name_ru=name_ru,
                    name_kk=f"№ {number} {inst_type.short_name_kk}, {region.centre_kk} (демо)",
                    type=inst_type,
                    department=inst_type.department,
                    region=region,
                    address=f"г. {region.centre_ru}, ул. {STREETS[street]}, {house}",
                    capacity=capacity,
                    population=population,
                    population_date=date(2026, 10, 1) - timedelta(days=rng.randint(0, 120)),
                    phone=f"+7 7{rng.randint(10, 29)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                    notes="Демонстрационная запись: учреждение вымышлено. · Демо жазба: мекеме ойдан шығарылған.",
                    is_demo=True,
                )
                # Every random draw is made before this check, so a second run sees the same plan.
                if Institution.objects.filter(
                    name_ru=name_ru, region=region, type=inst_type
                ).exists():
                    continue
                institution.full_clean()
                institution.save()
                created += 1
    return created
