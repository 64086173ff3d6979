"""Admin pages of third-party apps: only what the policy can govern stays.

Django's groups and per-model permissions are not used (the policy decides), and the TOTP
device admin would show others' secrets. (Sign-in delays, which an administrator may lift,
are people.SignInThrottle, in the people admin.)
"""

from django.contrib import admin
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

for model in (Group, TOTPDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
