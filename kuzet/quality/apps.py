from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "kuzet.quality"
    label = "quality"
    verbose_name = _("Report quality")

    def ready(self) -> None:
        from django.core import checks

        from kuzet.quality import ruledata
        from kuzet.quality.checks import rule_files
        from kuzet.quality.models import stored_edits

        checks.register(rule_files)
        # The rules in force read the secretariat's edited lists through this.
        ruledata.stored_edits = stored_edits
