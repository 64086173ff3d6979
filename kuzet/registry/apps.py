from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "kuzet.registry"
    label = "registry"
    verbose_name = _("Inventory of places of deprivation of liberty")
