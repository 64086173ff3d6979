"""Forms of the visit pages; the rules themselves are in the services."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kuzet.core.policy import Action, regions_where
from kuzet.people.models import User
from kuzet.registry.models import Institution
from kuzet.visits.models import Interview, Visit


class PlanVisitForm(forms.Form):
    institution = forms.ModelChoiceField(Institution.objects.none(), label=_("Institution"))
    kind = forms.ChoiceField(label=_("Type of visit"), choices=Visit.Kind.choices)
    announced = forms.BooleanField(label=_("Announced in advance"), required=False)
    planned_date = forms.DateField(
        label=_("Planned date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    leader = forms.ModelChoiceField(User.objects.none(), label=_("Team leader"))
    members = forms.ModelMultipleChoiceField(
        User.objects.none(), label=_("Members"), widget=forms.CheckboxSelectMultiple, required=False
    )
    objectives = forms.CharField(
        label=_("Objectives"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    theme = forms.CharField(label=_("Theme (thematic visits)"), required=False, max_length=300)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = regions_where(user, Action.PLAN_VISIT)
        institutions = (
            Institution.objects.with_related()
            .in_regions(regions)
            .filter(status=Institution.Status.ACTIVE)
        )
        people = User.objects.filter(is_active=True, memberships__group__is_active=True).distinct()
        if regions is not None:
            people = people.filter(memberships__group__region_id__in=regions)
        for name, queryset in (
            ("institution", institutions),
            ("leader", people),
            ("members", people),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = (
                queryset.order_by("region__name_ru", "name_ru")
                if name == "institution"
                else queryset.order_by("full_name", "username")
            )
        institution_field = self.fields["institution"]
        assert isinstance(institution_field, forms.ModelChoiceField)
        institution_field.label_from_instance = lambda obj: f"{obj.name} — {obj.region.name}"  # type: ignore[method-assign]


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=Visit.Status.choices)
    comment = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )


class InterviewForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type of interview"), choices=Interview.Kind.choices)
    person_code = forms.CharField(
        label=_("Person's code"),
        required=False,
        max_length=16,
        help_text=_("A pseudonym such as A-07; never a name."),
    )
    full_name = forms.CharField(
        label=_("Full name (encrypted, seen only by the team and the secretariat)"), required=False
    )
    birth_date = forms.CharField(
        label=_("Date of birth (encrypted)"), required=False, max_length=40
    )
    cell = forms.CharField(label=_("Cell or room (encrypted)"), required=False, max_length=100)
    conducted_at = forms.DateTimeField(
        label=_("Conducted at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    consent_interview = forms.BooleanField(label=_("Consents to the interview"), required=False)
    consent_quote = forms.BooleanField(label=_("May be quoted"), required=False)
    consent_identify = forms.BooleanField(label=_("May be identified"), required=False)
    consent_transmit = forms.BooleanField(
        label=_("An allegation may be transmitted"), required=False
    )
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Vulnerability categories"),
        choices=list(Interview.VULNERABILITIES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    fears_reprisals = forms.NullBooleanField(label=_("Fears reprisals"), required=False)
    reprisal_risk = forms.ChoiceField(label=_("Risk of reprisals"), choices=Interview.Risk.choices)
    follow_up_on = forms.DateField(
        label=_("Follow-up check on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    notes = forms.CharField(
        label=_("Notes (encrypted)"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
