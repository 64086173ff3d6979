from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kuzet.core.spreadsheets import upload_size_message
from kuzet.registry.models import InstitutionType


class UploadForm(forms.Form):
    file = forms.FileField(label=_("XLSForm file (.xlsx)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        refusal = upload_size_message(upload.size)
        if refusal:
            raise forms.ValidationError(refusal)
        return upload


class AssignTypesForm(forms.Form):
    types = forms.MultipleChoiceField(
        label=_("Institution types"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["types"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            (t.code, f"{t.name} ({t.department.short_name})")
            for t in InstitutionType.objects.select_related("department")
        ]
