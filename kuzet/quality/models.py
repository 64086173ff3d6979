"""What the quality app stores: the secretariat's settings (thresholds, which codes block)
and what copy detection keeps (one fingerprint per stored text, and its MinHash bands)."""

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel
from kuzet.quality.signals import SIGNALS

# The codes of the text rules (``texts.CODES``) that may be made blocking, with what each
# means ("too_short" always blocks: it is the models' own rule).
TEXT_CODES: dict[str, object] = {
    "standard_answer": _("finding: a standard answer"),
    "no_facts": _("finding: no observed fact"),
    "vague_recommendation": _("recommendation: stock wording"),
    "not_concrete": _("recommendation: not concrete"),
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


# --- Copy detection ---------------------------------------------------------------------
# A derived index, like the dashboard's counts: rebuilt from the findings and
# recommendations at any time, so neither audited nor linked by foreign keys to the apps
# above this one (``source`` says where the text lives, ``institution_id`` whose report it
# is).


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
    # The other institution's text this one nearly copies, found when it was stored (the
    # later of two near copies is the copy); blank when none. Read by the review panel and
    # the dashboard in one query (``copies.copied_sources``).
    copied_from = models.CharField(_("near copy of"), max_length=120, blank=True)
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


# --- The lexicons of the text rules, as the secretariat edited them ---------------------


# What each list is for (the lists themselves are the files' names).
LEXICONS: dict[str, object] = {
    "stock_finding": _("Stock formulae of findings (an evaluation instead of a fact)"),
    "stock_recommendation": _("Stock wording of recommendations (an intention, not an action)"),
    "condition": _("Observed conditions"),
    "source": _("Who said or saw it (the source of a fact)"),
    "person": _("People met or named"),
    "place": _("Places inside an institution"),
    "document": _("Registers and documents"),
    "media": _("Photos and recordings"),
    "time": _("Months, days, times of day"),
    "count": _("Counts written as words"),
    "action": _("Concrete actions a recommendation asks for"),
    "object": _("Objects a recommendation may be about"),
    "measure": _("Measurable results"),
    "deadline": _("Deadlines without a number"),
    "procedure": _("Procedures and rules to write or change"),
    "professional": _("Professionals a recommendation may ask for"),
    "institution": _("Institutions named by a number"),
    "cite": _("Words before a cited legal act or institution number"),
}


class LexiconOverride(AuditedModel):
    """One lexicon list (``rules/lexicons/<lang>/<name>.txt``) as the secretariat wrote it:
    in force instead of the shipped file (``ruledata.current``) here and on the tablets.
    Deleting the row brings the shipped list back."""

    class Lang(models.TextChoices):
        RU = "ru", _("Russian")
        KK = "kk", _("Kazakh")

    name = models.CharField(_("list"), max_length=60)
    lang = models.CharField(_("language"), max_length=2, choices=Lang.choices)
    text = models.TextField(_("phrases"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("edited text-rule list")
        verbose_name_plural = _("edited text-rule lists")
        constraints = [
            models.UniqueConstraint(fields=["name", "lang"], name="quality_lexicon_one_per_lang")
        ]

    def __str__(self) -> str:
        return f"{self.lang}/{self.name}"


def stored_edits(known: Any) -> tuple[Any, dict[tuple[str, str], str]] | None:
    """The stamp of the stored lists (their count and latest update: one query) and, when it
    is not ``known``, their texts by (name, language); None where there is no database
    (``check_texts`` run without one: the shipped files judge)."""
    from django.db import DatabaseError, connection
    from django.db.models import Count, Max

    name = str(connection.settings_dict.get("NAME") or "")
    in_memory = name == ":memory:" or "mode=memory" in name  # the tests' SQLite
    if connection.vendor == "sqlite" and not in_memory and not Path(name).exists():
        return None  # asking would create an empty database file
    try:
        found = LexiconOverride.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
        stamp = (found["n"], found["latest"])
        if stamp == known:
            return stamp, {}
        texts = {
            (o.name, o.lang): o.text for o in LexiconOverride.objects.only("name", "lang", "text")
        }
    except DatabaseError:
        return None
    return stamp, texts
