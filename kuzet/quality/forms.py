"""The settings form: thresholds, and the codes that block, as checkboxes."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kuzet.quality.models import QualitySettings, known_codes


class QualitySettingsForm(forms.ModelForm):
    blocking = forms.MultipleChoiceField(
        label=_("Codes that block submission and approval"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Unticked codes are warnings: approving over them needs a written reason."),
    )

    class Meta:
        model = QualitySettings
        fields = ["min_stay_minutes", "checklist_repeat_percent", "checklist_repeat_min_items"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        blocking = self.fields["blocking"]
        assert isinstance(blocking, forms.MultipleChoiceField)
        blocking.choices = [(code, f"{label} ({code})") for code, label in known_codes().items()]
        if self.instance is not None:
            self.initial.setdefault("blocking", list(self.instance.blocking))


class LexiconForm(forms.Form):
    text = forms.CharField(
        label=_("Phrases, one a line"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}),
        help_text=_(
            "Words separated by spaces. “мер*” is any word beginning so, “*ить” any longer "
            "word ending so, “меры|шаги” either word. Case and “ё” do not matter. Lines "
            "beginning with “#” are comments."
        ),
    )
