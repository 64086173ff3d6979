from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kuzet.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from kuzet.core import auth_events  # noqa: F401  (connects the sign-in audit receivers)
        from kuzet.core.work import discover

        discover()  # every app's home-page sections (core.work)
