"""Public pages (apply, status, outcome, invitation, verify) and the selection's staff pages."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kuzet.core.http import client_ip
from kuzet.core.params import id_param
from kuzet.core.policy import Action, Role, can
from kuzet.membership import services
from kuzet.membership.documents import resolve_system_document
from kuzet.membership.forms import (
    AgendaItemForm,
    ApplicationForm,
    CallForm,
    ConflictForm,
    DecisionForm,
    EligibilityForm,
    MeetingDecisionForm,
    MeetingDocumentForm,
    MeetingForm,
    OnboardingForm,
    PhotoForm,
    ScoreForm,
    SystemDocumentForm,
    VerifyForm,
)
from kuzet.membership.mandate import mandate_pdf
from kuzet.membership.models import (
    Application,
    Attachment,
    Call,
    Meeting,
    MeetingDecision,
    MeetingDocument,
    Participation,
)
from kuzet.membership.ratelimit import RateLimited, rate_take
from kuzet.membership.selectors import (
    council_quorum,
    mandate_valid,
    member_conflicted,
    member_has_scored,
    participation_by_code,
    ranking,
)
from kuzet.membership.tokens import mandate_code, normalise_code, status_token_ok
from kuzet.people.models import User
from kuzet.people.throttle import wait_message
from kuzet.visits.response_form import build_form
from kuzet.visits.services.responses import answers_from_form


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _field_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _too_many(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = render(
        request, "membership/too_many.html", {"message": wait_message(exc.retry_after)}, status=429
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


# --- Public: apply -----------------------------------------------------------------------


def call_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    calls = Call.objects.prefetch_related("regions")
    return render(
        request,
        "membership/call_list.html",
        {
            "open_calls": [c for c in calls.filter(status=Call.Status.OPEN) if c.deadline > now],
            "results": calls.filter(outcome_published_at__isnull=False),
        },
    )


def apply(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(Call.objects.prefetch_related("regions", "criteria"), pk=pk)
    if not services.call_accepts(call):
        return render(request, "membership/call_closed.html", {"call": call}, status=410)
    form = ApplicationForm(request.POST or None, request.FILES or None, call=call)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["website"]:
            return redirect("apply:sent")  # a robot: told the same, nothing saved
        limit = settings.MEMBERSHIP_ATTACHMENT_MAX_BYTES
        # An oversized file is refused by its size, never read into memory.
        uploads = [
            services.Upload(
                name=f.name or "file",
                data=f.read() if (f.size or 0) <= limit else b"",
                size=f.size or 0,
            )
            for f in request.FILES.getlist("attachments")
        ]
        try:
            services.application_submit(
                call=call,
                data=form.cleaned_data,
                uploads=uploads,
                address=client_ip(request),
                base_url=_base_url(request),
            )
        except RateLimited as exc:
            return _too_many(request, exc)
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "attachments" in exc.message_dict:
                form.attachment_errors = exc.message_dict["attachments"]  # type: ignore[attr-defined]
            else:
                _field_errors(form, exc)
        else:
            return redirect("apply:sent")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "membership/apply.html",
        {"call": call, "form": form, "consent_version": services.CONSENT_VERSION},
        status=status,
    )


def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "membership/sent.html")


def status(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    if not status_token_ok(reference, token):
        raise Http404
    application = get_object_or_404(
        Application.objects.select_related("call", "region"),
        reference=reference,
        anonymised_at__isnull=True,
    )
    first_visit = application.email_confirmed_at is None
    services.application_confirm_email(application=application)
    response = render(
        request,
        "membership/status.html",
        {"application": application, "first_visit": first_visit},
    )
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    return response


def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(Call, pk=pk, outcome_published_at__isnull=False)
    selected = call.applications.filter(status=Application.Status.SELECTED).select_related("region")
    by_region: dict[str, list[str]] = {}
    for number, application in enumerate(selected.order_by("region__name_ru", "pk"), start=1):
        label = (
            application.full_name
            if application.publish_name and application.anonymised_at is None
            else _("Applicant No. %(number)d") % {"number": number}
        )
        by_region.setdefault(str(application.region), []).append(label)
    decision = getattr(call, "decision", None)
    return render(
        request,
        "membership/outcome.html",
        {"call": call, "by_region": sorted(by_region.items()), "decision": decision},
    )


# --- Public: mandate verification (the invitation's page is people.invitations) ------------


def verify(request: HttpRequest, code: str = "") -> HttpResponse:
    form = VerifyForm(request.GET or None) if not code else VerifyForm({"code": code})
    result = None
    if form.is_bound and form.is_valid():
        try:
            rate_take(
                scope="verify-address",
                value=client_ip(request) or "",
                limit=_verify_limit(),
                window=_hour(),
            )
        except RateLimited as exc:
            return _too_many(request, exc)
        participation = participation_by_code(form.cleaned_data["code"])
        today = timezone.localdate()
        result = {
            "code": normalise_code(form.cleaned_data["code"]),
            "found": participation is not None,
            "valid": participation is not None and mandate_valid(participation, today),
            "participation": participation,
            "today": today,
        }
    response = render(request, "membership/verify.html", {"form": form, "result": result})
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _verify_limit() -> int:
    return int(settings.MEMBERSHIP_VERIFY_PER_ADDRESS_HOUR)


def _hour() -> Any:
    from datetime import timedelta

    return timedelta(hours=1)


# --- Signed in: the participant's own pages ---------------------------------------------


def _own_participation(request: HttpRequest) -> Participation:
    participation = (
        Participation.objects.select_related("user", "region")
        .filter(user_id=request.user.pk or 0)
        .first()
    )
    if participation is None:
        raise Http404
    return participation


@login_required
def onboarding(request: HttpRequest) -> HttpResponse:
    """The rules to acknowledge and the test (its instrument's newest published version),
    scored on the server; then the mandate and its photo."""
    from kuzet.people.two_factor import has_confirmed_device

    participation = _own_participation(request)
    if not has_confirmed_device(request.user):
        setup = reverse("people:two_factor_setup")
        return redirect(f"{setup}?next={reverse('membership:onboarding')}")
    if request.method == "POST" and participation.status != Participation.Status.ONBOARDING:
        return redirect("membership:onboarding")  # finished already: nothing to take
    version = services.onboarding_test_version()
    document = version.document if version is not None else None
    form = OnboardingForm(request.POST or None)
    answers: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST" and form.is_valid():
        answers = answers_from_form(document, request.POST) if document else {}
        try:
            attempt = services.onboarding_attempt(
                participation=participation,
                version_id=id_param(request.POST.get("version")),
                answers=answers,
                acknowledged=form.cleaned_data["acknowledge"],
            )
        except ValidationError as exc:
            errors = exc.message_dict
            for message in errors.pop("test", []):
                form.add_error(None, message)
            for message in errors.pop("acknowledge", []):
                form.add_error("acknowledge", message)
            status = 422
        else:
            if attempt.passed:
                messages.success(request, _("Onboarding complete: your mandate is valid."))
            else:
                messages.error(
                    request,
                    _(
                        "%(correct)d of %(total)d answers are right; %(mark)d%% are needed. "
                        "Read the rules again and retry."
                    )
                    % {
                        "correct": attempt.correct,
                        "total": attempt.total,
                        "mark": attempt.pass_mark,
                    },
                )
            return redirect("membership:onboarding")
    language = (get_language() or "ru").split("-")[0]
    sections = build_form(document, answers, errors, language) if document else []
    response = render(
        request,
        "membership/onboarding.html",
        {
            "form": form,
            "test_version": version,
            "sections": sections,
            "attempts": participation.test_attempts.select_related("version"),
            "participation": participation,
            "code": mandate_code(participation.mandate_number),
            "photo_form": PhotoForm(),
            "own_photo_url": reverse("membership:own_photo"),
            "max_kb": settings.MEMBERSHIP_PHOTO_MAX_BYTES // 1024,
        },
    )
    response.status_code = status
    return response


def _photo_image(participation: Participation) -> HttpResponseBase:
    if not participation.photo:
        raise Http404
    response = FileResponse(participation.photo.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _photo_change(request: HttpRequest, participation: Participation) -> str | None:
    """Put or remove the photo from the POST; the error to show, if any."""
    try:
        if "remove" in request.POST:
            services.participation_photo_remove(actor=request.user, participation=participation)
            messages.success(request, _("The photo is removed from the mandate."))
            return None
        upload = request.FILES.get("photo")
        if upload is None:
            return _("Choose a JPEG or PNG file.")
        too_big = upload.size is not None and upload.size > settings.MEMBERSHIP_PHOTO_MAX_BYTES
        services.participation_photo_set(
            actor=request.user,
            participation=participation,
            data=b"" if too_big else upload.read(),
            size=upload.size,
        )
    except ValidationError as exc:
        return " ".join(exc.messages)
    messages.success(request, _("The photo is on the mandate."))
    return None


@login_required
def own_photo(request: HttpRequest) -> HttpResponseBase:
    """The participant's own photo (GET), or putting / removing it (POST)."""
    participation = _own_participation(request)
    if request.method == "POST":
        error = _photo_change(request, participation)
        if error:
            messages.error(request, error)
        return redirect("membership:onboarding")
    return _photo_image(participation)


@login_required
def mandate(request: HttpRequest) -> HttpResponse:
    participation = _own_participation(request)
    language = request.GET.get("lang", "ru")
    if language not in ("ru", "kk"):
        language = "ru"
    pdf = mandate_pdf(participation, language=language, base_url=_base_url(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="mandate-{participation.mandate_number}-{language}.pdf"'
    )
    return response


# --- Signed in: secretariat and Council ---------------------------------------------------


def requires(
    action: Action,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not can(request.user, action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


@requires(Action.VIEW_APPLICATIONS)
def staff_calls(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "membership/staff_calls.html",
        {
            "calls": Call.objects.prefetch_related("regions"),
            "may_manage": can(request.user, Action.MANAGE_SELECTION),
        },
    )


@requires(Action.MANAGE_SELECTION)
def staff_call_new(request: HttpRequest) -> HttpResponse:
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            call = services.call_open(
                actor=request.user,
                title_ru=data["title_ru"],
                title_kk=data["title_kk"],
                text_ru=data["text_ru"],
                text_kk=data["text_kk"],
                regions=list(data["regions"]),
                places=data["places"],
                deadline=data["deadline"],
                criteria=data["criteria"],
            )
        except ValidationError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, _("The call is open."))
            return redirect("membership:call", pk=call.pk)
    return render(
        request,
        "membership/staff_call_new.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@requires(Action.VIEW_APPLICATIONS)
def staff_call(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(Call.objects.prefetch_related("criteria", "regions"), pk=pk)
    scorer = can(request.user, Action.SCORE_APPLICATIONS)
    rows = []
    for row in ranking(call):
        own_done = member_has_scored(request.user, row.application) or member_conflicted(
            request.user, row.application
        )
        rows.append({"row": row, "show_score": not scorer or own_done, "own_done": own_done})
    pending = call.applications.filter(
        status=Application.Status.RECEIVED, email_confirmed_at__isnull=False
    ).select_related("region")
    ineligible = call.applications.filter(status=Application.Status.INELIGIBLE).select_related(
        "region"
    )
    return render(
        request,
        "membership/staff_call.html",
        {
            "call": call,
            "rows": rows,
            "pending": pending,
            "ineligible": ineligible,
            "may_manage": can(request.user, Action.MANAGE_SELECTION),
            "decision": getattr(call, "decision", None),
        },
    )


@requires(Action.VIEW_APPLICATIONS)
def staff_application(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(
        Application.objects.select_related("call", "region"), pk=pk, anonymised_at__isnull=True
    )
    criteria = list(application.call.criteria.all())
    user = request.user
    eligibility_form = EligibilityForm(prefix="e")
    score_form = ScoreForm(criteria=criteria, prefix="s")
    conflict_form = ConflictForm(prefix="c")
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "eligibility":
                eligibility_form = EligibilityForm(request.POST, prefix="e")
                if eligibility_form.is_valid():
                    services.application_check_eligibility(
                        actor=user,
                        application=application,
                        eligible=eligibility_form.cleaned_data["eligible"],
                        reason=eligibility_form.cleaned_data["reason"],
                    )
                    messages.success(request, _("Eligibility recorded."))
                    return redirect("membership:application", pk=pk)
            elif what == "score":
                score_form = ScoreForm(request.POST, criteria=criteria, prefix="s")
                if score_form.is_valid():
                    services.application_score(
                        member=user,
                        application=application,
                        values={
                            c.pk: score_form.cleaned_data[f"criterion_{c.pk}"] for c in criteria
                        },
                    )
                    messages.success(request, _("Your scores are recorded."))
                    return redirect("membership:call", pk=application.call_id)
            elif what == "conflict":
                conflict_form = ConflictForm(request.POST, prefix="c")
                if conflict_form.is_valid():
                    services.conflict_declare(
                        member=user,
                        application=application,
                        note=conflict_form.cleaned_data["note"],
                    )
                    messages.success(
                        request,
                        _("Conflict of interest declared: you will not score this applicant."),
                    )
                    return redirect("membership:call", pk=application.call_id)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    scorer = can(user, Action.SCORE_APPLICATIONS)
    return render(
        request,
        "membership/staff_application.html",
        {
            "application": application,
            "attachments": application.attachments.all(),
            "declarations": application.declarations,
            "grounds": services.Ground,
            "may_manage": can(user, Action.MANAGE_SELECTION),
            "scorer": scorer,
            "has_scored": member_has_scored(user, application),
            "conflicted": member_conflicted(user, application),
            "eligibility_form": eligibility_form,
            "score_form": score_form,
            "conflict_form": conflict_form,
            "invitation": services.invitation_of(application),
        },
    )


@requires(Action.VIEW_APPLICATIONS)
def staff_attachment(request: HttpRequest, pk: int) -> HttpResponseBase:
    attachment = get_object_or_404(Attachment, pk=pk, application__anonymised_at__isnull=True)
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=True,
        filename=f"{attachment.application.reference}-{attachment.pk}{attachment.extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires(Action.MANAGE_SELECTION)
def staff_decide(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(Call, pk=pk)
    members = list(User.objects.filter(role=Role.COUNCIL, is_active=True).order_by("full_name"))
    item = request.GET.get("item", "")
    form = DecisionForm(
        request.POST or None,
        call=call,
        members=members,
        initial={"agenda_item": item} if item.isdigit() else None,
    )
    if request.method == "POST" and form.is_valid():
        votes = [
            services.VoteSpec(
                member=m,
                choice=form.cleaned_data[f"vote_{m.pk}"],
                reason=form.cleaned_data[f"vote_reason_{m.pk}"],
            )
            for m in members
            if form.cleaned_data[f"vote_{m.pk}"]
        ]
        try:
            services.call_decide(
                actor=request.user,
                call=call,
                agenda_item=form.cleaned_data["agenda_item"],
                selected=list(form.cleaned_data["selected"]),
                reasons=form.cleaned_data["reasons"],
                votes=votes,
                base_url=_base_url(request),
                publish=form.cleaned_data["publish"],
            )
        except ValidationError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, _("The decision is recorded and the applicants are told."))
            return redirect("membership:call", pk=pk)
    return render(
        request,
        "membership/staff_decide.html",
        {"call": call, "form": form, "rows": ranking(call)},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@requires(Action.MANAGE_SELECTION)
def staff_publish(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(Call, pk=pk)
    try:
        services.call_publish_outcome(actor=request.user, call=call)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The outcome is published."))
    return redirect("membership:call", pk=pk)


@require_POST
@requires(Action.MANAGE_SELECTION)
def staff_invite(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(Application, pk=pk, anonymised_at__isnull=True)
    try:
        services.invitation_issue(
            actor=request.user, application=application, base_url=_base_url(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The invitation is sent to the applicant's e-mail."))
    return redirect("membership:application", pk=pk)


@requires(Action.MANAGE_PARTICIPANTS)
def staff_participants(request: HttpRequest) -> HttpResponse:
    """Participants' terms; a change of term is a Council decision, recorded at a meeting."""
    participations = (
        Participation.objects.select_related("user", "region")
        .prefetch_related(
            "test_attempts__version",
            Prefetch(
                "decisions",
                MeetingDecision.objects.select_related("meeting", "agenda_item").order_by("-pk"),
            ),
        )
        .order_by("region__name_ru", "user__full_name")
    )
    return render(
        request,
        "membership/staff_participants.html",
        {
            "participations": participations,
            "open_meetings": Meeting.objects.filter(published_at__isnull=True),
            "photo_form": PhotoForm(),
        },
    )


@requires(Action.MANAGE_PARTICIPANTS)
def staff_participant_photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A participant's photo (GET), or the secretariat putting / removing it (POST)."""
    participation = get_object_or_404(Participation, pk=pk)
    if request.method == "POST":
        error = _photo_change(request, participation)
        if error:
            messages.error(request, error)
        return redirect("membership:participants")
    return _photo_image(participation)


# --- Council meetings ---------------------------------------------------------------------


def _council_members() -> list[User]:
    return list(User.objects.filter(role=Role.COUNCIL, is_active=True).order_by("full_name"))


@requires(Action.VIEW_MEETINGS)
def staff_meetings(request: HttpRequest) -> HttpResponse:
    may_manage = can(request.user, Action.MANAGE_MEETINGS)
    form = MeetingForm(request.POST or None)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                meeting = services.meeting_create(
                    actor=request.user,
                    date=form.cleaned_data["date"],
                    title=form.cleaned_data["title"],
                )
            except ValidationError as exc:
                _field_errors(form, exc)
            else:
                return redirect("membership:meeting", pk=meeting.pk)
    return render(
        request,
        "membership/staff_meetings.html",
        {"meetings": Meeting.objects.all(), "form": form, "may_manage": may_manage},
        status=400 if request.method == "POST" else 200,
    )


def _meeting_page(
    request: HttpRequest,
    meeting: Meeting,
    *,
    agenda_form: AgendaItemForm | None = None,
    decision_form: MeetingDecisionForm | None = None,
    document_form: MeetingDocumentForm | None = None,
    link_form: SystemDocumentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_manage = can(request.user, Action.MANAGE_MEETINGS)
    may_add_documents = can(request.user, Action.ADD_MEETING_DOCUMENTS)
    is_open = meeting.published_at is None
    if may_manage and is_open:
        agenda_form = agenda_form or AgendaItemForm()
        item = request.GET.get("item", "")
        decision_form = decision_form or MeetingDecisionForm(
            meeting=meeting,
            members=_council_members(),
            initial={"agenda_item": item} if item.isdigit() else None,
        )
    if may_add_documents:
        document_form = document_form or MeetingDocumentForm(meeting=meeting)
        link_form = link_form or SystemDocumentForm(meeting=meeting)
    decisions = meeting.decisions.select_related(
        "agenda_item", "group", "person", "participation__user", "call_decision__call"
    ).prefetch_related("votes__member", "team_rules__region", "ended_team_rules__region")
    documents = [
        (document, resolve_system_document(document.system_key) if document.system_key else None)
        for document in meeting.documents.select_related("agenda_item")
    ]
    undecided_calls = (
        Call.objects.exclude(status=Call.Status.DECIDED)
        if can(request.user, Action.MANAGE_SELECTION) and is_open
        else Call.objects.none()
    )
    return render(
        request,
        "membership/staff_meeting.html",
        {
            "meeting": meeting,
            "agenda": meeting.agenda.all(),
            "decisions": decisions,
            "documents": documents,
            "may_manage": may_manage,
            "agenda_form": agenda_form,
            "decision_form": decision_form,
            "document_form": document_form,
            "link_form": link_form,
            "undecided_calls": undecided_calls,
            "quorum": council_quorum(),
        },
        status=status,
    )


@requires(Action.VIEW_MEETINGS)
def staff_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    return _meeting_page(request, get_object_or_404(Meeting, pk=pk))


@require_POST
@requires(Action.MANAGE_MEETINGS)
def staff_meeting_agenda(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    form = AgendaItemForm(request.POST)
    if form.is_valid():
        try:
            services.agenda_item_add(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, _("The item is on the agenda."))
            return redirect("membership:meeting", pk=pk)
    return _meeting_page(request, meeting, agenda_form=form, status=400)


@require_POST
@requires(Action.MANAGE_MEETINGS)
def staff_meeting_decide(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    members = _council_members()
    form = MeetingDecisionForm(request.POST, meeting=meeting, members=members)
    if form.is_valid():
        data = form.cleaned_data
        votes = [
            services.VoteSpec(
                member=m, choice=data[f"vote_{m.pk}"], reason=data[f"vote_reason_{m.pk}"]
            )
            for m in members
            if data[f"vote_{m.pk}"]
        ]
        try:
            services.meeting_decision_record(
                actor=request.user,
                meeting=meeting,
                agenda_item=data["agenda_item"],
                text=data["text"],
                reasons=data["reasons"],
                votes=votes,
                group=data["group"],
                change=data["change"],
                person=data["person"],
                participation=data["participation"],
                new_status=data["new_status"],
                rule=form.rule(),
                publish=data["publish"],
            )
        except ValidationError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, _("The decision is recorded."))
            return redirect("membership:meeting", pk=pk)
    return _meeting_page(request, meeting, decision_form=form, status=400)


@require_POST
@requires(Action.MANAGE_MEETINGS)
def staff_decision_publish(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(MeetingDecision, pk=pk)
    try:
        services.decision_publish(actor=request.user, decision=decision)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The decision is published."))
    return redirect("membership:meeting", pk=decision.meeting_id)


@require_POST
@requires(Action.ADD_MEETING_DOCUMENTS)
def staff_meeting_document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    form = MeetingDocumentForm(request.POST, request.FILES, meeting=meeting)
    if form.is_valid():
        received = form.cleaned_data["file"]
        limit = settings.MEMBERSHIP_MEETING_DOCUMENT_MAX_BYTES
        # An oversized file is refused by its size, never read into memory.
        upload = services.Upload(
            name=received.name or "file",
            data=received.read() if (received.size or 0) <= limit else b"",
            size=received.size or 0,
        )
        try:
            services.meeting_document_upload(
                actor=request.user,
                meeting=meeting,
                upload=upload,
                title=form.cleaned_data["title"],
                agenda_item=form.cleaned_data["agenda_item"],
            )
        except ValidationError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, _("The document is added to the meeting."))
            return redirect("membership:meeting", pk=pk)
    return _meeting_page(request, meeting, document_form=form, status=400)


@require_POST
@requires(Action.ADD_MEETING_DOCUMENTS)
def staff_meeting_document_link(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    form = SystemDocumentForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            services.meeting_document_link(
                actor=request.user,
                meeting=meeting,
                key=form.cleaned_data["key"],
                agenda_item=form.cleaned_data["agenda_item"],
            )
        except ValidationError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, _("The document is linked to the meeting."))
            return redirect("membership:meeting", pk=pk)
    return _meeting_page(request, meeting, link_form=form, status=400)


@requires(Action.VIEW_MEETINGS)
def staff_meeting_document(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A meeting's document, checked on every read: the file, or Kuzet's page it links."""
    document = get_object_or_404(MeetingDocument, pk=pk)
    if document.system_key:
        found = resolve_system_document(document.system_key)
        if found is None:
            raise Http404
        return redirect(found.url)
    response = FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        as_attachment=True,
        filename=f"meeting-{document.meeting_id}-{document.pk}{document.extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response


@require_POST
@requires(Action.MANAGE_MEETINGS)
def staff_meeting_publish(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    try:
        services.meeting_publish(actor=request.user, meeting=meeting)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The meeting's decisions are published."))
    return redirect("membership:meeting", pk=pk)


def _published_decisions() -> Any:
    return (
        MeetingDecision.objects.filter(published_at__isnull=False)
        .select_related("meeting", "group", "call_decision__call")
        .prefetch_related("votes", "team_rules__region", "ended_team_rules__region")
        .order_by("-meeting__date", "meeting_id", "pk")
    )


def public_meetings(request: HttpRequest) -> HttpResponse:
    """The Council's published decisions: meeting date, the decision, the vote counts."""
    return render(request, "membership/public_meetings.html", {"decisions": _published_decisions()})


def public_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=pk)
    decisions = _published_decisions().filter(meeting=meeting)
    if not decisions:
        raise Http404
    return render(
        request,
        "membership/public_meeting.html",
        {"meeting": meeting, "agenda": meeting.agenda.all(), "decisions": decisions},
    )
