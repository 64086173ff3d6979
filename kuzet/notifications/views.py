"""The person's notifications: the list, opening one (marks it read), marking all read,
and the e-mail setting."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kuzet.core.http import signed_in
from kuzet.notifications.services import (
    email_preference_set,
    notification_read,
    notifications_for,
    notifications_read_all,
    sends_email,
)


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    show = "unread" if request.GET.get("show") == "unread" else "all"
    notifications = notifications_for(user)
    if show == "unread":
        notifications = notifications.unread()
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "show": show,
            "send_email": sends_email(user),
            "has_email": bool(user.email),
        },
    )


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go where it points (a link, so that it opens in a new
    tab too; marking one's own notification read is the only effect)."""
    notification = notification_read(user=signed_in(request), notification_id=pk)
    if notification is None:
        raise Http404
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_read_all(user=signed_in(request))
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@login_required
@require_POST
def email_setting(request: HttpRequest) -> HttpResponse:
    send_email = request.POST.get("send_email") == "1"
    email_preference_set(user=signed_in(request), send_email=send_email)
    if send_email:
        messages.success(request, _("Notifications will also be sent by e-mail."))
    else:
        messages.success(request, _("Notifications will no longer be sent by e-mail."))
    return redirect("notifications:list")
