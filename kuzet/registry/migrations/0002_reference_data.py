"""Load the shipped reference data (regions, departments, institution types).

Uses the historical models, so it does not go through the audit trail; later changes of
reference data do (``manage.py load_reference_data --update`` or the admin).
"""

import json
from pathlib import Path

from django.db import migrations

REFERENCE_FILE = Path(__file__).resolve().parent.parent / "data" / "reference.json"


def load(apps, schema_editor):
    data = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    Region = apps.get_model("registry", "Region")
    Department = apps.get_model("registry", "Department")
    InstitutionType = apps.get_model("registry", "InstitutionType")
    for row in data["regions"]:
        Region.objects.get_or_create(kato=row["kato"], defaults=row)
    departments = {}
    for row in data["departments"]:
        departments[row["code"]], _ = Department.objects.get_or_create(code=row["code"], defaults=row)
    for row in data["institution_types"]:
        values = {**row, "department": departments[row["department"]]}
        InstitutionType.objects.get_or_create(code=row["code"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
