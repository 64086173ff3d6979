"""An institution moved to another region, department or type is marked, so that the figures
counted by place recount its visits; other changes leave no mark."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kuzet.conftest import InstitutionFactory
from kuzet.people.models import User
from kuzet.registry.models import Department, Institution, InstitutionChange

pytestmark = pytest.mark.django_db


def admin_form(institution: Institution, **changed: Any) -> dict[str, Any]:
    data = {
        "name_ru": institution.name_ru, "name_kk": institution.name_kk,
        "type": institution.type_id, "department": institution.department_id,
        "region": institution.region_id, "address": "", "latitude": "", "longitude": "",
        "capacity": institution.capacity or "", "population": institution.population or "",
        "population_date": "", "phone": "", "email": "", "contact_person": "",
        "status": institution.status, "closed_on": "", "notes": "", "last_visited_on": "",
    }  # fmt: skip
    return {**data, **changed}


def test_moving_an_institution_to_another_department_in_the_admin_marks_it(
    secretariat: User, client_for: Callable[[User], Client]
) -> None:
    institution = InstitutionFactory()
    other = Department.objects.exclude(pk=institution.department_id).first()
    assert other is not None
    url = f"/admin/registry/institution/{institution.pk}/change/"

    saved = client_for(secretariat).post(url, admin_form(institution, capacity=70))
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert not InstitutionChange.objects.exists()

    moved = client_for(secretariat).post(url, admin_form(institution, department=other.pk))
    assert moved.status_code == 302
    institution.refresh_from_db()
    assert institution.department_id == other.pk
    assert list(InstitutionChange.objects.values_list("institution_id", flat=True)) == [
        institution.pk
    ]
