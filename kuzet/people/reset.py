"""Password reset links issued by an administrator: single-use, expiring, and they reset the
user's two-factor devices, so administrators never know or set anyone's password."""

from django.conf import settings
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from kuzet.core.audit import audit_append
from kuzet.core.models import AuditAction
from kuzet.people.models import User
from kuzet.people.roles import refuse_self_change
from kuzet.people.two_factor import two_factor_reset


def issue_reset_link(*, actor: User, user: User, request: HttpRequest) -> str:
    """The link ``user`` opens to set a password (shown once; e-mailed if they have an address).

    Django's token covers the password hash and last sign-in, so it is void after use, after any
    password change and after PASSWORD_RESET_TIMEOUT."""
    refuse_self_change(actor=actor, user=user, what=_("password"))
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = request.build_absolute_uri(reverse("people:reset", args=[uid, token]))
    audit_append(
        action=AuditAction.UPDATE,
        object_type="people.user",
        object_id=str(user.pk),
        fields=["password_reset_link"],
    )
    if user.email:
        send_mail(
            _("Set your Kuzet password"),
            _("Open this link within %(hours)d hours to set your password: %(link)s")
            % {"hours": settings.PASSWORD_RESET_TIMEOUT // 3600, "link": link},
            None,
            [user.email],
            fail_silently=True,
        )
    return link


def reset_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64)))
    except (ValueError, User.DoesNotExist):
        raise Http404 from None
    if not default_token_generator.check_token(user, token):
        return render(request, "people/reset.html", {"invalid": True}, status=410)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        two_factor_reset(user=user)
        return redirect("people:login")
    return render(request, "people/reset.html", {"form": form})
