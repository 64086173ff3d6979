"""Forms of the visit pages; the rules themselves are in the services."""

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kuzet.core.policy import Action, regions_where
from kuzet.core.zones import zone_help
from kuzet.instruments.schema import COMPLIANCE_LIST, choice_label, labels_of, path_label
from kuzet.people.models import User
from kuzet.registry.models import Institution
from kuzet.visits.corrections import record_choices
from kuzet.visits.models import (
    THEMES,
    Allegation,
    CodedPerson,
    ComplianceMark,
    Finding,
    Interview,
    Section,
    Visit,
)


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
    # Set by the confirmation page of a step that cannot be taken back.
    confirmed = forms.BooleanField(required=False)


def _datetime_field(label: Any) -> forms.DateTimeField:
    # The browser's datetime-local field sends and expects ISO "YYYY-MM-DDTHH:MM".
    return forms.DateTimeField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"}),
    )


class VisitTimesForm(forms.Form):
    started_at = _datetime_field(_("Time in"))
    ended_at = _datetime_field(_("Time out"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ended_at"].help_text = zone_help()


class ReviewCommentForm(forms.Form):
    section = forms.ChoiceField(label=_("Section"), choices=Section.choices)
    record = forms.ChoiceField(
        label=_("About the record (optional)"),
        required=False,
        help_text=_("The team sees the comment on that record, with a link to correct it."),
    )
    text = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    def __init__(self, *args: Any, visit: Visit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        record = self.fields["record"]
        assert isinstance(record, forms.ChoiceField)
        record.choices = [("", "—"), *(record_choices(visit) if visit is not None else [])]

    def clean(self) -> dict[str, Any]:
        """A comment about a record is filed under the record's section."""
        data = super().clean() or {}
        data["record_id"] = None
        if data.get("record"):
            section, _colon, pk = str(data["record"]).partition(":")
            data["section"], data["record_id"] = section, int(pk)
        return data


class AmendmentForm(forms.Form):
    section = forms.ChoiceField(label=_("Section"), choices=Section.choices)
    text = forms.CharField(
        label=_("The amendment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the record now says, in place of or in addition to what it said."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


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
    # The browser's datetime-local field sends and expects ISO "YYYY-MM-DDTHH:MM".
    conducted_at = forms.DateTimeField(
        label=_("Conducted at"),
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"}),
    )
    time_note = forms.CharField(
        label=_("Why the time is outside the visit (only if it is)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("An interview falls between the visit's time in and time out."),
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
        label=_("Notes (encrypted)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Kept only with the person's consent to the interview."),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["conducted_at"].help_text = zone_help()
        if editing:
            # The person keeps their code: allegations and answers are filed under it.
            del self.fields["person_code"]


class FindingForm(forms.Form):
    theme = forms.ChoiceField(label=_("Theme"), choices=list(THEMES.items()))
    # Russian and Kazakh side by side: either may be written first, one of each is needed.
    title = forms.CharField(label=_("Title (Russian)"), max_length=300, required=False)
    title_kk = forms.CharField(label=_("Title (Kazakh)"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description (Russian)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "data-quality-kind": "finding"}),
        help_text=_("The facts: what was seen or heard, where, how many, since when."),
    )
    description_kk = forms.CharField(
        label=_("Description (Kazakh)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Either language may be written first; the other can follow later."),
    )
    sources = forms.MultipleChoiceField(
        label=_("Sources"),
        choices=list(Finding.SOURCES.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    good_practice = forms.BooleanField(label=_("This is a good practice"), required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=[("", "—"), *Finding.Severity.choices], required=False
    )
    obstacle = forms.ChoiceField(
        label=_("Obstacle to access"),
        choices=[("", "—"), *Finding.Obstacle.choices],
        required=False,
    )
    interviews = forms.ModelMultipleChoiceField(
        Interview.objects.none(),
        label=_("Interviews it rests on"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    items = forms.ModelMultipleChoiceField(
        ComplianceMark.objects.none(),
        label=_("Checklist items it describes"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every non-compliant item needs a finding that describes it."),
    )

    no_recommendation_reason = forms.CharField(
        label=_("Why no recommendation (only if none will follow)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, visit: Visit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["interviews"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = visit.interviews.select_related("person")
        items = self.fields["items"]
        assert isinstance(items, forms.ModelMultipleChoiceField)
        items.queryset = ComplianceMark.objects.filter(
            response__visit=visit, value__in=("non_compliant", "partly")
        ).select_related("response__version__instrument")
        items.label_from_instance = _mark_label  # type: ignore[method-assign,assignment]


class AllegationForm(forms.Form):
    person = forms.ModelChoiceField(CodedPerson.objects.none(), label=_("Person (code)"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Allegation.Kind.choices)
    occurred_on = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    place = forms.CharField(label=_("Place"), required=False, max_length=300)
    circumstances = forms.CharField(
        label=_("Circumstances (encrypted)"), widget=forms.Textarea(attrs={"rows": 5})
    )
    perpetrator = forms.ChoiceField(
        label=_("Alleged perpetrators"), choices=Allegation.Perpetrator.choices
    )
    methods = forms.MultipleChoiceField(
        label=_("Methods"),
        choices=list(Allegation.METHODS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    injuries_observed = forms.CharField(
        label=_("Injuries observed (encrypted)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    medical_documentation = forms.NullBooleanField(
        label=_("Medical documentation exists"), required=False
    )
    witnesses = forms.CharField(
        label=_("Witnesses (encrypted)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    consent_transmit = forms.BooleanField(
        label=_("The person consents to transmission"), required=False
    )
    referral = forms.ChoiceField(label=_("Referral"), choices=Allegation.Referral.choices)
    extent = forms.ChoiceField(label=_("Isolated or pattern"), choices=Allegation.Extent.choices)

    def __init__(self, *args: Any, visit: Visit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = visit.people.all()


def _mark_label(mark: ComplianceMark) -> str:
    """ "Checklist — question: answer", in the active language."""
    language = (get_language() or "ru").split("-")[0]
    document = mark.response.version.document
    value = choice_label(document, COMPLIANCE_LIST, mark.value, language)
    item = path_label(labels_of(document, language), mark.path)
    return f"{mark.response.version.instrument.title} — {item}: {value}"
