"""Admin pages of third-party apps: only what the policy can govern stays.

Django's groups and per-model permissions are not used (the policy decides), the TOTP
device admin would show others' secrets, and axes' logs hold whatever people typed as a
login. The lockout list stays, so that an administrator can unlock an account.
"""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from kuzet.core.admin_site import PolicyAdminMixin
from kuzet.core.policy import Action

for model in (Group, TOTPDevice, AccessLog, AccessFailureLog, AccessAttempt):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(AccessAttempt)
class LockoutAdmin(PolicyAdminMixin, AccessAttemptAdmin):
    policy_action = Action.MANAGE_USERS

    def has_add_permission(self, request, *args):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
