"""Forms of the public pages and of the Council's work."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kuzet.core.policy import REGIONAL_ROLES
from kuzet.membership.models import (
    AgendaItem,
    Answer,
    Application,
    Call,
    Criterion,
    Ground,
    Meeting,
    MeetingDecision,
    MeetingVote,
    Participation,
    TeamRule,
)
from kuzet.people.models import RegionalGroup, User
from kuzet.registry.models import Region


class ApplicationForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(
        label=_("E-mail"), help_text=_("We send a link to confirm it; it opens your private page.")
    )
    phone = forms.RegexField(
        label=_("Phone"),
        regex=r"^\+?[0-9 ()-]{7,20}$",
        max_length=30,
        error_messages={"invalid": _("Enter a phone number: digits, spaces, + ( ) -.")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    region = forms.ModelChoiceField(
        Region.objects.none(), label=_("Region where you will take part")
    )
    education = forms.CharField(label=_("Education"), widget=forms.Textarea(attrs={"rows": 3}))
    experience = forms.CharField(
        label=_("Experience (human rights, medicine, law, social work…)"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    motivation = forms.CharField(
        label=_("Why do you want to take part?"), widget=forms.Textarea(attrs={"rows": 4})
    )
    declaration_notes = forms.CharField(
        label=_('Explanation (if you answered "not sure")'),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    conflicts = forms.CharField(
        label=_("Conflicts of interest"),
        help_text=_(
            "Relatives or work in places of detention, the police, the prosecutor's office or "
            "the penitentiary service; anything that could make your visits look partial."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    consent = forms.BooleanField(
        label=_("I consent to the processing of my personal data as described above."),
        error_messages={"required": _("Without consent the application cannot be received.")},
    )
    publish_name = forms.BooleanField(
        label=_("If I am selected, my name may be published on the call's results page."),
        required=False,
    )
    # A field people do not see (hidden by the stylesheet); robots fill it.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = call.regions.all()  # type: ignore[attr-defined]
        for ground in Ground:
            self.fields[f"ground_{ground.value}"] = forms.ChoiceField(
                label=ground.label,
                choices=Answer.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Answer for this ground.")},
            )

    def ground_fields(self) -> list[Any]:
        return [self[f"ground_{g.value}"] for g in Ground]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unsure = any(data.get(f"ground_{g.value}") == Answer.UNSURE for g in Ground)
        if unsure and not (data.get("declaration_notes") or "").strip():
            self.add_error("declaration_notes", _("Explain the grounds you are not sure about."))
        return data


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Mandate code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "XXXX-XXXX-XXXX-XXXX"}),
    )


class EligibilityForm(forms.Form):
    eligible = forms.TypedChoiceField(
        label=_("Eligibility"),
        choices=[("1", _("eligible")), ("0", _("not eligible"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ScoreForm(forms.Form):
    def __init__(self, *args: Any, criteria: list[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.IntegerField(
                label=f"{criterion.name} (×{criterion.weight})",
                min_value=0,
                max_value=Criterion.MAX_SCORE,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )


class ConflictForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), max_length=300, required=False)


def _vote_fields(form: forms.Form, members: list[Any]) -> None:
    for member in members:
        form.fields[f"vote_{member.pk}"] = forms.ChoiceField(
            label=str(member),
            choices=[("", _("absent")), *MeetingVote.Choice.choices],
            required=False,
        )
        form.fields[f"vote_reason_{member.pk}"] = forms.CharField(
            label=_("Reason of %(person)s's vote") % {"person": member},
            required=False,
        )


def open_agenda_items() -> Any:
    return AgendaItem.objects.filter(meeting__published_at__isnull=True).select_related("meeting")


class AgendaItemChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.meeting.date:%Y-%m-%d} · {obj.meeting.title} — {obj.title}"


class DecisionForm(forms.Form):
    agenda_item = AgendaItemChoice(
        AgendaItem.objects.none(),
        label=_("Meeting and agenda item"),
        help_text=_("The Council meeting's agenda item at which the decision was taken."),
    )
    selected = forms.ModelMultipleChoiceField(
        Application.objects.none(),
        label=_("Selected"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}))
    publish = forms.BooleanField(
        label=_("The Council decided to publish this decision"), required=False
    )

    def __init__(self, *args: Any, call: Call, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = open_agenda_items()  # type: ignore[attr-defined]
        self.fields["selected"].queryset = call.applications.filter(  # type: ignore[attr-defined]
            status=Application.Status.ELIGIBLE, email_confirmed_at__isnull=False
        )
        self.fields["selected"].label_from_instance = lambda a: (  # type: ignore[attr-defined]
            f"{a.reference} — {a.full_name} ({a.region})"
        )
        self.members = members
        _vote_fields(self, members)


STATUS_CHOICES = [
    (Participation.Status.SUSPENDED, _("suspend")),
    (Participation.Status.EXCLUDED, _("exclude")),
    (Participation.Status.ENDED, _("end the term")),
    (Participation.Status.ACTIVE, _("reinstate")),
]


class OnboardingForm(forms.Form):
    """The acknowledgement of the rules; the test's questions come from its instrument
    (``services.onboarding_test_version``) and are read by ``answers_from_form``."""

    acknowledge = forms.BooleanField(
        label=_("I have read the methodology and the do-no-harm rules and will follow them."),
        required=False,
    )


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo for the mandate (JPEG or PNG)"),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class CallForm(forms.Form):
    title_ru = forms.CharField(label=_("Title (Russian)"), max_length=200)
    title_kk = forms.CharField(label=_("Title (Kazakh)"), max_length=200)
    text_ru = forms.CharField(label=_("Text of the call (Russian)"), widget=forms.Textarea)
    text_kk = forms.CharField(label=_("Text of the call (Kazakh)"), widget=forms.Textarea)
    regions = forms.ModelMultipleChoiceField(Region.objects.none(), label=_("Regions"))
    places = forms.IntegerField(label=_("Places"), min_value=1, max_value=1000)
    deadline = forms.DateTimeField(
        label=_("Deadline"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    criteria = forms.CharField(
        label=_("Criteria"),
        help_text=_("One a line: weight | name in Russian | name in Kazakh"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["regions"].queryset = Region.objects.all()  # type: ignore[attr-defined]

    def clean_criteria(self) -> list[Any]:
        from kuzet.membership.services import CriterionSpec

        specs = []
        for number, line in enumerate(self.cleaned_data["criteria"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 3 or not parts[0].isdigit() or not parts[1] or not parts[2]:
                raise forms.ValidationError(
                    _("Line %(line)d: write weight | name in Russian | name in Kazakh.")
                    % {"line": number}
                )
            if int(parts[0]) < 1:
                raise forms.ValidationError(
                    _("Line %(line)d: the weight must be at least 1.") % {"line": number}
                )
            specs.append(CriterionSpec(name_ru=parts[1], name_kk=parts[2], weight=int(parts[0])))
        return specs


class MeetingForm(forms.Form):
    date = forms.DateField(label=_("Meeting date"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=_("Title"), max_length=200)


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Agenda item"), max_length=300)
    document_kind = forms.ChoiceField(
        label=_("Document"), choices=AgendaItem.Document.choices, required=False
    )
    document_link = forms.CharField(
        label=_("Link to the document (a page of this site)"),
        max_length=300,
        required=False,
        help_text=_("For example /reports/annual/2026/workspace/ or /quality/."),
    )


class MeetingDecisionForm(forms.Form):
    agenda_item = forms.ModelChoiceField(
        AgendaItem.objects.none(), label=_("Agenda item"), required=False
    )
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 3}))
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}))
    change = forms.ChoiceField(
        label=_("Change to a regional group"),
        choices=MeetingDecision.Change.choices,
        required=False,
    )
    group = forms.ModelChoiceField(
        RegionalGroup.objects.filter(is_active=True), label=_("Regional group"), required=False
    )
    person = forms.ModelChoiceField(
        User.objects.filter(role__in=list(REGIONAL_ROLES)).order_by("full_name"),
        label=_("Person"),
        required=False,
    )
    participation = forms.ModelChoiceField(
        Participation.objects.select_related("user", "region").order_by("user__full_name"),
        label=_("Participant whose term the decision changes"),
        required=False,
    )
    new_status = forms.ChoiceField(
        label=_("What the decision does to the term"),
        choices=[("", "—"), *STATUS_CHOICES],
        required=False,
    )
    rule_kind = forms.ChoiceField(
        label=_("Visit teams' composition rule"),
        choices=[("", "—"), *TeamRule.Kind.choices],
        required=False,
    )
    rule_value = forms.IntegerField(
        label=_("Rule's number (0 lifts the rule)"), min_value=0, max_value=20, required=False
    )
    rule_region = forms.ModelChoiceField(
        Region.objects.all(),
        label=_("Region of the rule"),
        empty_label=_("every region"),
        required=False,
    )
    publish = forms.BooleanField(
        label=_("The Council decided to publish this decision"), required=False
    )

    def __init__(self, *args: Any, meeting: Meeting, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = meeting.agenda.all()  # type: ignore[attr-defined]
        self.fields["participation"].label_from_instance = lambda p: (  # type: ignore[attr-defined]
            f"{p.user} — {p.region} ({p.get_status_display()})"
        )
        self.members = members
        _vote_fields(self, members)

    def rule(self) -> Any:
        from kuzet.membership.services import RuleSpec

        data = self.cleaned_data
        if not data.get("rule_kind") and data.get("rule_value") is None:
            return None
        return RuleSpec(
            kind=data.get("rule_kind") or "",
            value=data["rule_value"] if data.get("rule_value") is not None else -1,
            region=data.get("rule_region"),
        )


class MeetingDocumentForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, DOCX or XLSX)"))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    agenda_item = forms.ModelChoiceField(
        AgendaItem.objects.none(), label=_("Agenda item"), required=False
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = meeting.agenda.all()  # type: ignore[attr-defined]


class SystemDocumentForm(forms.Form):
    key = forms.ChoiceField(label=_("Document of Kuzet"), choices=[])
    agenda_item = forms.ModelChoiceField(
        AgendaItem.objects.none(), label=_("Agenda item"), required=False
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from kuzet.membership.documents import system_documents

        self.fields["key"].choices = [  # type: ignore[attr-defined]
            (d.key, d.title) for d in system_documents()
        ]
        self.fields["agenda_item"].queryset = meeting.agenda.all()  # type: ignore[attr-defined]
