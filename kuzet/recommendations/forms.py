from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kuzet.recommendations.models import Addressee, Recommendation, RecommendationQuerySet
from kuzet.visits.models import THEMES, Finding, Visit


class RecommendationForm(forms.Form):
    text_ru = forms.CharField(
        label=_("Recommendation (Russian)"),
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "lang": "ru",
                "data-quality-kind": "recommendation",
                "data-quality-lang": "ru",
            }
        ),
        required=False,
        help_text=_("Either language may be written first; the other can follow later."),
    )
    text_kk = forms.CharField(
        label=_("Recommendation (Kazakh)"),
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "lang": "kk",
                "data-quality-kind": "recommendation",
                "data-quality-lang": "kk",
            }
        ),
        required=False,
        help_text=_(
            "Checked like the Russian text. The text missing in either language is listed "
            "in the secretariat's translation queue when the annual report quotes the "
            "recommendation."
        ),
    )
    addressee = forms.ModelChoiceField(
        Addressee.objects.filter(is_active=True), label=_("Addressee")
    )
    level = forms.ChoiceField(label=_("Level"), choices=Recommendation.Level.choices)
    theme = forms.ChoiceField(label=_("Theme"), choices=list(THEMES.items()))
    priority = forms.ChoiceField(label=_("Priority"), choices=Recommendation.Priority.choices)
    deadline = forms.DateField(
        label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    findings = forms.ModelMultipleChoiceField(
        Finding.objects.none(),
        label=_("Findings it answers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    repeats = forms.ModelChoiceField(
        Recommendation.objects.none(), label=_("Repeats an earlier recommendation"), required=False
    )

    def __init__(self, *args: Any, visit: Visit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        findings = self.fields["findings"]
        assert isinstance(findings, forms.ModelMultipleChoiceField)
        findings.queryset = visit.findings.filter(good_practice=False)
        repeats = self.fields["repeats"]
        assert isinstance(repeats, forms.ModelChoiceField)
        repeats.queryset = Recommendation.objects.filter(
            visit__institution=visit.institution
        ).exclude(visit=visit)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            "text_ru" in data
            and "text_kk" in data
            and not data["text_ru"].strip()
            and not data["text_kk"].strip()
        ):
            self.add_error("text_ru", _("Write the recommendation in Russian or in Kazakh."))
        return data


class AssessForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Recommendation.Status.choices)
    evidence = forms.CharField(
        label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class RecommendationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("any")), *Recommendation.Status.choices], required=False
    )
    addressee = forms.ModelChoiceField(
        Addressee.objects.all(), label=_("Addressee"), required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    # The dashboard's figures count issued recommendations only; their links say so.
    issued = forms.BooleanField(label=_("Issued only (no drafts)"), required=False)

    def apply(self, recommendations: RecommendationQuerySet) -> RecommendationQuerySet:
        """``recommendations`` filtered as the (valid) form says; all of them otherwise."""
        if not self.is_valid():
            return recommendations
        if self.cleaned_data["status"]:
            recommendations = recommendations.filter(status=self.cleaned_data["status"])
        if self.cleaned_data["addressee"]:
            recommendations = recommendations.filter(addressee=self.cleaned_data["addressee"])
        if self.cleaned_data["overdue"]:
            recommendations = recommendations.overdue()
        if self.cleaned_data["issued"]:
            recommendations = recommendations.issued()
        return recommendations
