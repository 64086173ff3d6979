"""The user's own devices, on their account page: ending a tablet's access.

The account page (``people``) lists the devices through the user's ``device_tokens``; the
action lives here, with the tokens, so that ``people`` does not import the field app.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kuzet.field.models import DeviceToken
from kuzet.field.services import device_token_revoke


@login_required
@require_POST
def device_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The user ends a tablet's access to their account (a lost or handed-on tablet)."""
    device = get_object_or_404(DeviceToken, pk=pk, user=request.user)
    device_token_revoke(actor=request.user, device=device)
    messages.success(request, _("The device's access is revoked; it must sign in again."))
    return redirect("people:profile")


# Mounted under the account's pages: /accounts/me/devices/…
app_name = "devices"
urlpatterns = [
    path("<int:pk>/revoke/", device_token_revoke_view, name="revoke"),
]
