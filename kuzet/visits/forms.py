"""Forms of the visit pages; the rules themselves are in the services."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kuzet.core.policy import Action, regions_where
from kuzet.people.models import User
from kuzet.registry.models import Institution
from kuzet.visits.models import Visit


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
