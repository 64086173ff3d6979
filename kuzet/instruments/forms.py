from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kuzet.core.spreadsheets import upload_size_message
from kuzet.registry.models import InstitutionType


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> Any:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("XLSForm file (.xlsx)"))
    lists = MultipleFileField(
        label=_("List files (.csv) for select_one_from_file"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".csv"}),
    )

    def clean_lists(self) -> Any:
        files = self.cleaned_data.get("lists") or []
        for upload in files:
            refusal = upload_size_message(upload.size)
            if refusal:
                raise forms.ValidationError(refusal)
        return files

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
