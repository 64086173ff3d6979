"""The reference data shipped with Kuzet."""

import io

import pytest
from django.core.management import call_command

from kuzet.core.models import AuditEvent
from kuzet.registry.models import Department, InstitutionType, Region
from kuzet.registry.services import reference_data_load

pytestmark = pytest.mark.django_db


def test_all_seventeen_regions_and_three_cities_with_kato_codes() -> None:
    assert Region.objects.filter(kind="region").count() == 17
    assert set(Region.objects.filter(kind="city").values_list("name_en", flat=True)) == {
        "Astana city",
        "Almaty city",
        "Shymkent city",
    }
    for region in Region.objects.all():
        assert len(region.kato) == 9 and region.kato.isdigit()
        assert region.name_ru and region.name_kk and region.name_en


def test_the_departments_that_run_closed_institutions() -> None:
    assert set(Department.objects.values_list("code", flat=True)) == {
        "mia-penal",
        "mia-police",
        "nsc",
        "defence",
        "health",
        "education",
        "labour",
    }


@pytest.mark.parametrize(
    ("code", "department"),
    [
        ("ivs", "mia-police"),
        ("sizo", "mia-penal"),
        ("special-reception", "mia-police"),
        ("reception-distribution", "mia-police"),
        ("juvenile-adaptation", "mia-police"),
        ("penal-minimum", "mia-penal"),
        ("penal-maximum", "mia-penal"),
        ("nsc-detention", "nsc"),
        ("guardhouse", "defence"),
        ("psychiatric", "health"),
        ("narcology", "health"),
        ("medical-social", "labour"),
        ("special-education", "education"),
        ("childrens-home", "education"),
    ],
)
def test_every_type_of_place_the_rules_cover(code: str, department: str) -> None:
    place = InstitutionType.objects.get(code=code)
    assert place.department.code == department
    assert place.name_ru and place.name_kk and place.name_en and place.legal_basis


def test_loading_again_creates_nothing_and_keeps_edits() -> None:
    region = Region.objects.get(kato="620000000")
    region.name_en = "Ulytau"
    region.save()
    assert reference_data_load() == {"regions": 0, "departments": 0, "institution_types": 0}
    region.refresh_from_db()
    assert region.name_en == "Ulytau"
    out = io.StringIO()
    call_command("load_reference_data", "--update", stdout=out)
    region.refresh_from_db()
    assert region.name_en == "Ulytau Region"
    assert (
        AuditEvent.objects.filter(object_type="registry.region", object_id=str(region.pk)).count()
        == 2
    )
