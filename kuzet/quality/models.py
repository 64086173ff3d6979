"""What the secretariat sets about report quality: thresholds and which codes block."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel
from kuzet.quality.signals import SIGNALS

# The codes of the text rules (``texts.check_text``) that may be made blocking, with what
# each means. Kept here until the text rules publish their own list of codes.
TEXT_CODES: dict[str, object] = {
    "too_short": _("text too short"),
    "copied": _("text copied from another institution's report"),
}


def known_codes() -> dict[str, object]:
    """Every code the secretariat may make blocking: text rules, then visit signals."""
    return {**TEXT_CODES, **SIGNALS}


class QualitySettings(AuditedModel):
    """The thresholds of the visit-level signals and the codes that block (one row, pk=1).

    By default every code is a warning: the record may be submitted and approved over it,
    approval then needing a written reason. A *blocking* code stops submission for review
    and approval until the record is fixed.
    """

    min_stay_minutes = models.PositiveSmallIntegerField(
        _("shortest credible stay, in minutes"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    checklist_repeat_percent = models.PositiveSmallIntegerField(
        _("checklist answers the same as on the previous visit, from this percentage up"),
        default=95,
        validators=[MinValueValidator(50), MaxValueValidator(100)],
    )
    checklist_repeat_min_items = models.PositiveSmallIntegerField(
        _("items both checklists must have in common to compare them"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )
    blocking = models.JSONField(_("blocking codes"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("report quality settings")
        verbose_name_plural = _("report quality settings")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="qualitysettings_one")]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "QualitySettings":
        """The stored settings, or the defaults when nobody has edited them yet (not saved)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    def blocks(self, code: str) -> bool:
        return code in self.blocking

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if not isinstance(self.blocking, list) or not all(
            isinstance(code, str) for code in self.blocking
        ):
            errors["blocking"] = _("Blocking codes are a list of codes.")
        else:
            unknown = sorted(set(self.blocking) - set(known_codes()))
            if unknown:
                errors["blocking"] = _("Unknown codes: %(codes)s") % {"codes": ", ".join(unknown)}
        if errors:
            raise ValidationError(errors)
