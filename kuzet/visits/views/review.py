"""The review tab: the steps, the history, comments by section or by record, what the team
changed in its records, and amendments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kuzet.core.forms import show_service_errors
from kuzet.core.http import signed_in
from kuzet.core.redaction import find_names
from kuzet.quality.models import QualitySettings
from kuzet.visits.corrections import changed_records, commented_records
from kuzet.visits.forms import AmendmentForm, ReviewCommentForm
from kuzet.visits.models import Visit
from kuzet.visits.services.access import visit_access
from kuzet.visits.services.lifecycle import next_steps, submission_problems, submission_warnings
from kuzet.visits.services.quality import visit_quality
from kuzet.visits.services.review import amendment_add, review_comment_add, review_comment_resolve
from kuzet.visits.workspace import TAB_SECTION, render_tab, visit_or_404


@login_required
@require_GET
def review_tab(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_or_404(request, pk)
    # "Comment on this record" links of the record tabs preselect it.
    form = ReviewCommentForm(visit=visit, initial={"record": request.GET.get("record", "")})
    return _review_page(request, visit, form, AmendmentForm())


def _review_page(
    request: HttpRequest,
    visit: Visit,
    comment_form: ReviewCommentForm,
    amendment_form: AmendmentForm,
    status: int = 200,
) -> HttpResponse:
    open_for_submission = visit.status in (Visit.Status.DRAFTING, Visit.Status.RETURNED)
    access = visit_access(request.user, visit)
    quality = visit_quality(visit)
    settings = QualitySettings.current()
    all_comments = list(visit.review_comments.select_related("author", "resolved_by"))
    page = render_tab(
        request,
        visit,
        "review",
        "visits/tab_review.html",
        {
            "steps": next_steps(request.user, visit),
            "history": visit.history.select_related("actor"),
            "all_comments": all_comments,
            "commented": commented_records(visit, all_comments),
            "changed_records": changed_records(visit),
            "all_amendments": visit.amendments.select_related("author"),
            "problems": (
                submission_problems(visit, quality, settings) if open_for_submission else None
            ),
            "warnings": submission_warnings(visit, quality, settings),
            "quality": quality,
            "quality_blocking": settings.blocking,
            "may_review": access.review and visit.status == Visit.Status.UNDER_REVIEW,
            "may_amend": access.amend,
            "withheld_quotes": _quotes_with_names(visit),
            "comment_form": comment_form,
            "amendment_form": amendment_form,
        },
    )
    page.status_code = status
    return page


def _quotes_with_names(visit: Visit) -> list[dict[str, str]]:
    """The quoted allegations whose text holds a likely name, which the external report
    prints with the name withheld: by person code and kind, never the text."""
    known = [person.full_name for person in visit.people.all() if person.full_name]
    quotable = set(
        visit.interviews.filter(consent_quote=True, person__isnull=False).values_list(
            "person_id", flat=True
        )
    )
    return [
        {"person": allegation.person.code, "kind": str(allegation.get_kind_display())}
        for allegation in visit.allegations.select_related("person").order_by("pk")
        if allegation.person_id in quotable
        and find_names(allegation.circumstances, known_names=known)
    ]


@login_required
@require_POST
def review_comment_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_or_404(request, pk)
    form = ReviewCommentForm(request.POST, visit=visit)
    if form.is_valid():
        data = form.cleaned_data
        try:
            review_comment_add(
                actor=signed_in(request),
                visit=visit,
                section=data["section"],
                text=data["text"],
                record_id=data["record_id"],
            )
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("The comment is added."))
            return redirect("visits:review_tab", visit.pk)
    return _review_page(request, visit, form, AmendmentForm(), status=422)


@login_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    visit = visit_or_404(request, pk)
    comment = visit.review_comments.filter(pk=comment_pk).first()
    if comment is None:
        raise Http404
    try:
        review_comment_resolve(actor=signed_in(request), comment=comment)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The comment is marked as resolved."))
    # Back to the record the comment is about, or to the tab it is shown on.
    ref = commented_records(visit, [comment]).get(comment.pk)
    if ref is not None:
        return redirect(ref.tab_url)
    tab = next((t for t, s in TAB_SECTION.items() if s == comment.section), "overview")
    if tab == "overview":
        return redirect("visits:visit_detail", visit.pk)
    return redirect("visits:visit_tab", visit.pk, tab)


@login_required
@require_POST
def amendment_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_or_404(request, pk)
    form = AmendmentForm(request.POST)
    if form.is_valid():
        try:
            amendment_add(actor=signed_in(request), visit=visit, **form.cleaned_data)
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("The amendment is recorded."))
            return redirect("visits:review_tab", visit.pk)
    return _review_page(request, visit, ReviewCommentForm(visit=visit), form, status=422)
