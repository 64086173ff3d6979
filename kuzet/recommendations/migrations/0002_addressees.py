"""The starting registry of addressees: the departments' ministries, the prosecutor, the akimats."""

from django.db import migrations


def load(apps, schema_editor):
    Addressee = apps.get_model("recommendations", "Addressee")
    Department = apps.get_model("registry", "Department")
    Region = apps.get_model("registry", "Region")
    for department in Department.objects.all():
        Addressee.objects.get_or_create(
            code=f"dept-{department.code}",
            defaults={"name_ru": department.name_ru, "name_kk": department.name_kk, "kind": "ministry"},
        )
    Addressee.objects.get_or_create(
        code="prosecutor-general",
        defaults={"name_ru": "Генеральная прокуратура Республики Казахстан", "name_kk": "Қазақстан Республикасының Бас прокуратурасы", "kind": "prosecutor"},
    )
    Addressee.objects.get_or_create(
        code="government",
        defaults={"name_ru": "Правительство Республики Казахстан", "name_kk": "Қазақстан Республикасының Үкіметі", "kind": "parliament"},
    )
    Addressee.objects.get_or_create(
        code="institution-administration",
        defaults={"name_ru": "Администрация посещённого учреждения", "name_kk": "Барылған мекеменің әкімшілігі", "kind": "administration"},
    )
    for region in Region.objects.all():
        Addressee.objects.get_or_create(
            code=f"akimat-{region.kato}",
            defaults={"name_ru": f"Акимат: {region.name_ru}", "name_kk": f"Әкімдік: {region.name_kk}", "kind": "akimat", "region": region},
        )


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0001_initial"), ("registry", "0002_reference_data")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
