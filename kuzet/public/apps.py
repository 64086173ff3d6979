from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "kuzet.public"
    verbose_name = _("Public site")
    default_auto_field = "django.db.models.BigAutoField"
