"""The demo data set: loads once, a second run duplicates nothing, never outside the demo."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from kuzet.core.audit import verify_chain
from kuzet.membership.models import Application, Call
from kuzet.people.models import User
from kuzet.registry.models import Institution, Region
from kuzet.visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.mark.slow
@override_settings(DEMO=True)
def test_the_small_demo_loads_once_across_all_regions() -> None:
    out = io.StringIO()
    call_command("load_demo_data", "--no-year", stdout=out)
    institutions = Institution.objects.count()
    assert 280 <= institutions <= 330
    assert not Institution.objects.filter(is_demo=False).exists()
    assert Region.objects.filter(institutions__isnull=True).count() == 0
    assert "login: demo-admin" in out.getvalue()
    users = User.objects.count()
    assert Visit.objects.count() == 1 and Visit.objects.get().team.count() == 2
    # The open selection: a call with applications to score, a decided one published.
    assert Call.objects.count() == 2 and Application.objects.count() == 6
    assert Call.objects.filter(outcome_published_at__isnull=False).count() == 1

    call_command("load_demo_data", "--no-year", stdout=io.StringIO())
    assert Institution.objects.count() == institutions
    assert User.objects.count() == users
    assert Visit.objects.count() == 1
    assert Application.objects.count() == 6
    assert verify_chain()[1] == []


def test_demo_data_is_refused_outside_the_demo_configuration() -> None:
    with pytest.raises(CommandError, match="KUZET_DEMO"):
        call_command("load_demo_data")
    assert not User.objects.exists()
