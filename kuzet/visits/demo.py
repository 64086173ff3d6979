"""A demo visit: planned in Almaty city by the demo coordinator, with the demo leader and participant."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kuzet.people.models import User
from kuzet.registry.models import Institution
from kuzet.visits.models import TeamMember, Visit
from kuzet.visits.services.planning import TeamPlace, visit_plan


@transaction.atomic
def demo_visits_create() -> int:
    if Visit.objects.filter(institution__is_demo=True).exists():
        return 0
    coordinator = User.objects.get(username="demo-coordinator")
    institution = Institution.objects.filter(
        is_demo=True, region__kato="750000000", type__code="ivs"
    ).first()
    if institution is None:
        return 0
    visit_plan(
        actor=coordinator,
        institution=institution,
        planned_date=timezone.localdate() + timedelta(days=7),
        team=[
            TeamPlace(User.objects.get(username="demo-leader"), TeamMember.Role.LEADER),
            TeamPlace(User.objects.get(username="demo-participant"), TeamMember.Role.MEMBER),
        ],
        objectives="Демонстрационное посещение: условия содержания и гарантии первых часов задержания.",
    )
    return 1
