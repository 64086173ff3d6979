from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "kuzet.quality"
    label = "quality"
    verbose_name = _("Report quality")

    def ready(self) -> None:
        from django.core import checks

        from kuzet.quality.checks import rule_files

        checks.register(rule_files)
