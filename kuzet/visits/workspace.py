"""The visit workspace's shared page helpers: the visit a request may open (a refusal is
audited and answered 404, as for a visit that does not exist), its tabs, rendering one tab with what the user may do, and a
page whose form one service records on the visit."""

from contextlib import suppress
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from kuzet.core.access import Refused, VisitAction, VisitLocked, check_audited
from kuzet.core.forms import show_service_errors
from kuzet.visits.models import Section, Visit
from kuzet.visits.selectors import visits_for
from kuzet.visits.services.access import visit_access


def visit_or_404(request: HttpRequest, pk: int) -> Visit:
    """The visit, if the user may see it; otherwise 404, whether it exists or not (so that an
    answer does not reveal which visits exist), and an attempt on an existing visit goes to
    the audit trail with the reason."""
    visit = visits_for(request.user).filter(pk=pk).first()
    if visit is None:
        hidden = Visit.objects.filter(pk=pk).first()
        if hidden is not None:
            # Audited with the reason; answered 404 below whatever the reason.
            with suppress(Refused):
                check_audited(
                    visit_access(request.user, hidden),
                    VisitAction.VIEW,
                    user=request.user,
                    object_type="visits.visit",
                    object_id=pk,
                )
        raise Http404
    return visit


TABS = [
    ("overview", gettext_lazy("Visit")),
    ("responses", gettext_lazy("Checklists")),
    ("interviews", gettext_lazy("Interviews")),
    ("findings", gettext_lazy("Findings")),
    ("allegations", gettext_lazy("Allegations")),
    ("media", gettext_lazy("Media")),
    ("recommendations", gettext_lazy("Recommendations")),
    ("review", gettext_lazy("Review")),
]
# The record section each tab shows (review comments and amendments are filed by section).
TAB_SECTION = {
    "overview": Section.GENERAL,
    "responses": Section.RESPONSES,
    "interviews": Section.INTERVIEWS,
    "findings": Section.FINDINGS,
    "allegations": Section.ALLEGATIONS,
    "media": Section.MEDIA,
    "recommendations": Section.RECOMMENDATIONS,
}


def render_tab(
    request: HttpRequest, visit: Visit, tab: str, template: str, extra: dict[str, Any]
) -> HttpResponse:
    """One tab of the visit workspace: ``template`` extends ``visits/workspace.html``."""
    from kuzet.visits.corrections import commented_records

    access = visit_access(request.user, visit)
    section = TAB_SECTION.get(tab)
    comments = (
        list(visit.review_comments.filter(section=section).select_related("author", "resolved_by"))
        if section
        else []
    )
    context: dict[str, Any] = {
        "visit": visit,
        "tab": tab,
        "tabs": TABS,
        "section": section,
        "show_identities": access.see_identities,
        "can_record": access.record,
        # A reviewer may comment on each record of the tab (a link to the review tab).
        "may_review": access.review and visit.status == Visit.Status.UNDER_REVIEW,
        "comments": comments,
        "commented": commented_records(visit, comments),
        "amendments": (
            visit.amendments.filter(section=section).select_related("author") if section else []
        ),
        **extra,
    }
    return render(request, template, context)


def record_edit_page(
    request: HttpRequest,
    visit: Visit,
    record: Any,
    *,
    section: str,
    form: Form,
    update: Any,
    done: str,
    title: str,
) -> HttpResponse:
    """A page correcting ``record`` of ``visit`` (until the record is approved): the form
    filled with what it says, the reviewer's comments about it, its change history; valid
    data goes to ``update(actor=..., **cleaned_data)``."""
    from kuzet.core.changes import record_changes
    from kuzet.visits.corrections import RecordRef, record_label

    access = visit_access(request.user, visit)
    tab_url = RecordRef(section, record, "").tab_url
    if not access.record:
        if VisitAction.RECORD in access.refusals:
            check_audited(
                access,
                VisitAction.RECORD,
                user=request.user,
                object_type=record._meta.label_lower,
                object_id=record.pk,
            )
        # Not refused, so the record is approved: it takes amendments now.
        messages.error(request, VisitLocked().messages[0])
        return redirect(tab_url)
    if request.method == "POST" and form.is_valid():
        try:
            update(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(tab_url)
    comments = visit.review_comments.filter(section=section, record_id=record.pk)
    return render(
        request,
        "visits/record_edit.html",
        {
            "visit": visit,
            "form": form,
            "title": title,
            "record_label": record_label(section, record),
            "back": tab_url,
            "comments": comments.select_related("author", "resolved_by"),
            "changes": record_changes([record]).get((record._meta.label_lower, record.pk), []),
            "can_record": True,
        },
        status=422 if form.errors else 200,
    )


def record_page(
    request: HttpRequest,
    pk: int,
    form_class: type[Form],
    template: str,
    record: Any,
    done: str,
    tab: str,
    initial: dict[str, Any] | None = None,
) -> HttpResponse:
    """A page with a form whose valid data one service records on the visit."""
    visit = visit_or_404(request, pk)
    form = form_class(request.POST or None, visit=visit, initial=initial)  # type: ignore[call-arg]
    if request.method == "POST" and form.is_valid():
        try:
            saved = record(actor=request.user, visit=visit, **form.cleaned_data)
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, done)
            # The quality rules' warnings (kuzet/quality): saved, but weak as written.
            for reason in getattr(saved, "text_warnings", list)():
                messages.warning(request, reason.message)
            return redirect("visits:visit_tab", visit.pk, tab)
    return render(
        request, template, {"visit": visit, "form": form}, status=422 if form.errors else 200
    )
