"""Forms of the addressee portal."""

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kuzet.portal.models import Answer, Assessment
from kuzet.recommendations.models import Addressee

PLAN_ROWS = 3


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class InviteForm(forms.Form):
    addressee = forms.ModelChoiceField(
        label=_("Addressee"), queryset=Addressee.objects.filter(is_active=True)
    )
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), required=False)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)


class AnswerForm(forms.Form):
    position = forms.ChoiceField(label=_("Answer"), choices=Answer.Position.choices)
    text = forms.CharField(
        label=_("Reasons and what was done"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
        required=False,
    )
    evidence = MultipleFileField(
        label=_("Evidence files"),
        required=False,
        help_text=_("PDF, images (JPEG, PNG, WebP) or office documents."),
    )

    def __init__(self, *args: Any, first: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        position = self.fields["position"]
        assert isinstance(position, forms.ChoiceField)
        progress = Answer.Position.PROGRESS
        position.choices = (
            [c for c in Answer.Position.choices if c[0] != progress]
            if first
            else [c for c in Answer.Position.choices if c[0] == progress]
        )
        for n in range(PLAN_ROWS):
            self.fields[f"plan_action_{n}"] = forms.CharField(
                label=_("Measure %(n)d") % {"n": n + 1}, max_length=500, required=False
            )
            self.fields[f"plan_due_{n}"] = forms.DateField(
                label=_("By (date)"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(PLAN_ROWS):
            action, due = data.get(f"plan_action_{n}"), data.get(f"plan_due_{n}")
            if action and not due:
                self.add_error(f"plan_due_{n}", _("Give the date of this measure."))
            if due and not action:
                self.add_error(f"plan_action_{n}", _("Say what will be done by this date."))
        return data

    def plan(self) -> list[tuple[str, date]]:
        data = self.cleaned_data
        return [
            (data[f"plan_action_{n}"], data[f"plan_due_{n}"])
            for n in range(PLAN_ROWS)
            if data.get(f"plan_action_{n}") and data.get(f"plan_due_{n}")
        ]

    def plan_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"plan_action_{n}"], self[f"plan_due_{n}"]) for n in range(PLAN_ROWS)]


class AssessAnswerForm(forms.Form):
    grade = forms.ChoiceField(label=_("Assessment"), choices=Assessment.Grade.choices)
    rating = forms.ChoiceField(
        label=_("Rating of the answer (A–E)"),
        choices=[("", "—"), *Assessment.Rating.choices],
        required=False,
    )
    comment = forms.CharField(
        label=_("Comment to the addressee"), widget=forms.Textarea(attrs={"rows": 3})
    )
