"""What the NPM decided to publish on the public site: one audited decision per report."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel


class PublishedReport(AuditedModel):
    """A generated report (an annual report, or a visit report's external edition) the
    secretariat published; withdrawn, it leaves the site and the row stays as the record."""

    report = models.OneToOneField(
        "reports.GeneratedReport",
        on_delete=models.PROTECT,
        related_name="publication",
        verbose_name=_("report"),
    )
    title = models.CharField(_("title on the site"), max_length=300)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Every decision moves it: the public site's cache version reads the latest.
    changed_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("published report")
        verbose_name_plural = _("published reports")

    def __str__(self) -> str:
        return self.title
