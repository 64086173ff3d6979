"""What copy detection keeps: one fingerprint per stored text, and its LSH bands.

A derived index, like the dashboard's counts: rebuilt from the findings and
recommendations at any time, so neither audited nor linked by foreign keys to the apps
above this one (``source`` says where the text lives, ``institution_id`` whose report it
is)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TextFingerprint(models.Model):
    """A finding's description or a recommendation's text as copy detection sees it."""

    class Kind(models.TextChoices):
        FINDING = "finding", _("finding")
        RECOMMENDATION = "recommendation", _("recommendation")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # "visits.finding:<pk>", "recommendations.recommendation:<pk>" (its Kazakh text:
    # "recommendations.recommendation:<pk>/text_kk").
    source = models.CharField(_("source"), max_length=120, unique=True)
    institution_id = models.PositiveBigIntegerField(_("institution"), db_index=True)
    # The words of the text (similarity.normalised): what a candidate is compared on.
    text = models.TextField(_("normalised text"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("text fingerprint")
        verbose_name_plural = _("text fingerprints")

    def __str__(self) -> str:
        return self.source


class TextBand(models.Model):
    """One MinHash band of a fingerprint: texts sharing a band are candidate copies."""

    fingerprint = models.ForeignKey(TextFingerprint, on_delete=models.CASCADE, related_name="bands")
    band = models.BigIntegerField()
    # Repeated from the fingerprint so that the index answers "other institutions" alone.
    institution_id = models.PositiveBigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["band", "institution_id"], name="quality_band_lookup")]

    def __str__(self) -> str:
        return f"{self.fingerprint_id}:{self.band}"
