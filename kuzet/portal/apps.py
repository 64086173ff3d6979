from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "kuzet.portal"
    verbose_name = _("Addressee portal")
    default_auto_field = "django.db.models.BigAutoField"
