"""Forms of the planning pages: the region and year, a plan entry, the weights."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kuzet.dashboard.models import PriorityWeights
from kuzet.dashboard.priorities import WEIGHT_FIELDS, team_candidates
from kuzet.people.models import User
from kuzet.registry.models import Institution, Region


class PlanningFilterForm(forms.Form):
    region = forms.ModelChoiceField(Region.objects.all(), label=_("Region"), required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)

    def __init__(self, *args: Any, scope: frozenset[int] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ModelChoiceField)
        if scope is not None:
            region.queryset = Region.objects.filter(pk__in=scope)
        region.label_from_instance = lambda obj: obj.name  # type: ignore[method-assign]


MONTHS = [
    (1, _("January")),
    (2, _("February")),
    (3, _("March")),
    (4, _("April")),
    (5, _("May")),
    (6, _("June")),
    (7, _("July")),
    (8, _("August")),
    (9, _("September")),
    (10, _("October")),
    (11, _("November")),
    (12, _("December")),
]


class PlanEntryForm(forms.Form):
    institution = forms.ModelChoiceField(Institution.objects.none(), widget=forms.HiddenInput)
    month = forms.TypedChoiceField(label=_("Month"), choices=MONTHS, coerce=int)
    leader = forms.ModelChoiceField(User.objects.none(), label=_("Team leader"), required=False)
    team_note = forms.CharField(label=_("Team"), max_length=300, required=False)

    def __init__(self, *args: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        institution = self.fields["institution"]
        assert isinstance(institution, forms.ModelChoiceField)
        institution.queryset = Institution.objects.filter(
            region=region, status=Institution.Status.ACTIVE
        )
        leader = self.fields["leader"]
        assert isinstance(leader, forms.ModelChoiceField)
        leader.queryset = team_candidates(region)


class WeightsForm(forms.ModelForm):
    class Meta:
        model = PriorityWeights
        fields = WEIGHT_FIELDS
