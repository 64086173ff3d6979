"""Forms of the inventory: the list filters, the import upload and one imported row."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kuzet.registry.models import Department, Institution, InstitutionType, Region

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"]


class InventoryFilterForm(forms.Form):
    SORTS = [
        ("name", _("name")),
        ("-days", _("longest without a visit")),
        ("days", _("most recently visited")),
        ("region", _("region")),
        ("-population", _("population")),
    ]
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    region = forms.ModelChoiceField(Region.objects.all(), label=_("Region"), required=False)
    department = forms.ModelChoiceField(
        Department.objects.all(), label=_("Department"), required=False
    )
    type = forms.ModelChoiceField(InstitutionType.objects.all(), label=_("Type"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("any")), *Institution.Status.choices],
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("region", "department", "type"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.empty_label = str(_("all"))
            field.label_from_instance = lambda obj: obj.name  # type: ignore[method-assign]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "First row: column names. CSV files in UTF-8, separated by commas or semicolons."
        ),
    )


class NormTextsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV, XLSX or JSON file"),
        help_text=_(
            "CSV and XLSX: first row the column names; CSV in UTF-8, separated by commas or "
            "semicolons. JSON: a list of objects with the same names."
        ),
    )


class InstitutionRowForm(forms.ModelForm):
    """One row of an import file; type, region and department are resolved by the importer."""

    population_date = forms.DateField(
        label=_("population as of"), required=False, input_formats=DATE_INPUT_FORMATS
    )

    class Meta:
        model = Institution
        fields = [
            "name_ru",
            "name_kk",
            "type",
            "department",
            "region",
            "address",
            "latitude",
            "longitude",
            "capacity",
            "population",
            "population_date",
            "phone",
            "email",
            "contact_person",
            "notes",
            "is_demo",
        ]
