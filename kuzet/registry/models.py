"""The inventory: regions, departments, institution types and institutions.

Regions, departments and types are reference data shipped with the code (migration 0002
loads ``data/reference.json``); institutions come from imports, the admin and the demo
data set.
"""

import uuid
from datetime import date
from typing import Any, ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kuzet.core.audit import AuditedModel
from kuzet.core.i18n import localized


class MultilingualName(models.Model):
    name_ru = models.CharField(_("name (Russian)"), max_length=255)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=255, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


class Region(AuditedModel, MultilingualName):
    class Kind(models.TextChoices):
        REGION = "region", pgettext_lazy("kind of region", "region (oblys)")
        CITY = "city", pgettext_lazy("kind of region", "city of republican significance")

    kato = models.CharField(
        _("KATO code"),
        max_length=9,
        unique=True,
        validators=[RegexValidator(r"^\d{9}$", _("A KATO code has nine digits."))],
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REGION)
    centre_ru = models.CharField(_("administrative centre (Russian)"), max_length=100, blank=True)
    centre_kk = models.CharField(_("administrative centre (Kazakh)"), max_length=100, blank=True)
    centre_en = models.CharField(_("administrative centre (English)"), max_length=100, blank=True)

    class Meta:
        ordering = ["name_ru"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    @property
    def centre(self) -> str:
        return localized(self, "centre")


class Department(AuditedModel, MultilingualName):
    """A state body that runs closed institutions."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    short_name_ru = models.CharField(_("short name (Russian)"), max_length=60, blank=True)
    short_name_kk = models.CharField(_("short name (Kazakh)"), max_length=60, blank=True)
    short_name_en = models.CharField(_("short name (English)"), max_length=60, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "name_ru"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    @property
    def short_name(self) -> str:
        return localized(self, "short_name") or self.name


class InstitutionType(AuditedModel, MultilingualName):
    """A kind of place covered by the Rules of preventive visits."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    short_name_ru = models.CharField(_("short name (Russian)"), max_length=60, blank=True)
    short_name_kk = models.CharField(_("short name (Kazakh)"), max_length=60, blank=True)
    short_name_en = models.CharField(_("short name (English)"), max_length=60, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="institution_types",
        verbose_name=_("usual department"),
    )
    legal_basis = models.TextField(_("legal basis"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "name_ru"]
        verbose_name = _("institution type")
        verbose_name_plural = _("institution types")

    @property
    def short_name(self) -> str:
        return localized(self, "short_name") or self.name


class InstitutionQuerySet(models.QuerySet["Institution"]):
    def in_regions(self, region_ids: frozenset[int] | None) -> "InstitutionQuerySet":
        """Restrict to ``region_ids``; ``None`` means every region (see core.policy)."""
        return self if region_ids is None else self.filter(region_id__in=region_ids)

    def with_related(self) -> "InstitutionQuerySet":
        return self.select_related("type", "department", "region")


class Institution(AuditedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        CLOSED = "closed", _("closed")

    audit_derived_fields: ClassVar[frozenset[str]] = frozenset({"name_key", "search_text"})

    name_ru = models.CharField(_("name (Russian)"), max_length=300)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=300, blank=True)
    # name_ru case-folded with spaces collapsed: two institutions of one type in one region
    # may not differ only in case or spacing. Computed here, not by the database, because
    # SQLite's lower() folds ASCII only.
    name_key = models.CharField(max_length=300, editable=False)
    # Names and address case-folded for text search: SQLite's LIKE ignores case for ASCII
    # only, so Cyrillic search compares folded text on both databases.
    search_text = models.TextField(editable=False, default="")
    type = models.ForeignKey(
        InstitutionType,
        on_delete=models.PROTECT,
        related_name="institutions",
        verbose_name=_("type"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="institutions",
        verbose_name=_("department"),
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="institutions", verbose_name=_("region")
    )
    address = models.CharField(_("address"), max_length=500, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_date = models.DateField(_("population as of"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    contact_person = models.CharField(_("contact person"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_demo = models.BooleanField(
        _("demo record"), default=False, help_text=_("Synthetic data for trying Kuzet out.")
    )
    # Kept by the visit services once visits exist; sorting by it orders by days since the
    # last visit without a join over all visits.
    last_visited_on = models.DateField(_("last visited on"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        ordering = ["name_ru"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        constraints = [
            models.UniqueConstraint(
                fields=["name_key", "region", "type"],
                name="institution_unique_name_in_region_and_type",
                violation_error_message=_(
                    "An institution of this type with this name already exists in this region."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(population_date__isnull=True)
                | models.Q(population__isnull=False),
                name="institution_population_date_needs_population",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "type"]),
            models.Index(fields=["department"]),
            # The coverage indicators count active places by region and last visit: read
            # from this index alone (the id is SQLite's row id; PostgreSQL includes it).
            models.Index(
                fields=["status", "region", "department", "type", "last_visited_on"],
                include=["id"],
                name="institution_coverage",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")

    def days_since_last_visit(self, today: date | None = None) -> int | None:
        if self.last_visited_on is None:
            return None
        return ((today or timezone.localdate()) - self.last_visited_on).days

    @property
    def occupancy_percent(self) -> int | None:
        if not self.capacity or self.population is None:
            return None
        return round(100 * self.population / self.capacity)

    @staticmethod
    def name_key_of(name: str) -> str:
        return " ".join(name.split()).casefold()

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key = self.name_key_of(self.name_ru)
        self.search_text = "\n".join(
            self.name_key_of(v) for v in (self.name_ru, self.name_kk, self.address) if v
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "name_key", "search_text"}
        super().save(*args, **kwargs)

    def validate_constraints(self, exclude: Any = None) -> None:
        # name_key is never on a form, but its constraint must still be checked.
        self.name_key = self.name_key_of(self.name_ru)
        super().validate_constraints(
            exclude=None if exclude is None else set(exclude) - {"name_key"}
        )

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, Any] = {}
        if self.population_date and self.population is None:
            errors["population_date"] = _("A population date needs a population figure.")
        if self.status == self.Status.CLOSED and not self.closed_on:
            errors["closed_on"] = _("Give the date the institution closed.")
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude" if self.longitude is None else "latitude"] = _(
                "Give both latitude and longitude, or neither."
            )
        if errors:
            raise ValidationError(errors)


class NormQuerySet(models.QuerySet["Norm"]):
    def search(self, text: str) -> "NormQuerySet":
        qs = self
        for word in " ".join(text.split()).casefold().split():
            qs = qs.filter(search_text__contains=word)
        return qs


class Norm(AuditedModel):
    """A legal norm that instrument questions check (an article of a law, a UN rule)."""

    audit_derived_fields: ClassVar[frozenset[str]] = frozenset({"search_text"})

    code = models.CharField(
        _("code"),
        max_length=60,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Z0-9][A-Za-z0-9.\-]*$", _("Letters, digits, dots and hyphens."))
        ],
    )
    title_ru = models.CharField(_("title (Russian)"), max_length=500)
    title_kk = models.CharField(_("title (Kazakh)"), max_length=500, blank=True)
    text_ru = models.TextField(_("text (Russian)"), blank=True)
    text_kk = models.TextField(_("text (Kazakh)"), blank=True)
    text_is_summary = models.BooleanField(
        _("text is a summary"),
        default=True,
        help_text=_("Unticked when the text quotes the act verbatim."),
    )
    source_act_ru = models.CharField(_("source act (Russian)"), max_length=500)
    source_act_kk = models.CharField(_("source act (Kazakh)"), max_length=500, blank=True)
    article = models.CharField(_("article"), max_length=60, blank=True)
    effective_date = models.DateField(_("in force since"), null=True, blank=True)
    search_text = models.TextField(editable=False, default="")

    objects = NormQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("legal norm")
        verbose_name_plural = _("legal norms")

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        parts = (
            self.code,
            self.title_ru,
            self.title_kk,
            self.text_ru,
            self.text_kk,
            self.source_act_ru,
            self.article,
        )
        self.search_text = "\n".join(" ".join(p.split()).casefold() for p in parts if p)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def text(self) -> str:
        return localized(self, "text")

    @property
    def source_act(self) -> str:
        return localized(self, "source_act")

    def version_on(self, day: date) -> "NormVersion | None":
        """The official text in force on ``day`` (the latest version that took effect by
        then), or None; reads the prefetched ``versions`` when there are any."""
        in_force = [v for v in self.versions.all() if v.effective_date <= day]
        return max(in_force, key=lambda v: v.effective_date, default=None)


class NormVersion(AuditedModel):
    """The official text of a norm from the day it took effect until the next version.

    Loaded by the secretariat from official sources (``norm_texts.norm_texts_import``); the
    norm's own ``text`` stays what it was (often a summary) and is shown when no version is
    in force on the day asked.
    """

    norm = models.ForeignKey(
        Norm, on_delete=models.CASCADE, related_name="versions", verbose_name=_("legal norm")
    )
    effective_date = models.DateField(_("in force since"))
    text_ru = models.TextField(_("text (Russian)"))
    text_kk = models.TextField(_("text (Kazakh)"), blank=True)
    source = models.CharField(_("loaded from"), max_length=255, blank=True)

    class Meta:
        ordering = ["norm", "effective_date"]
        verbose_name = _("official text of a norm")
        verbose_name_plural = _("official texts of norms")
        constraints = [
            models.UniqueConstraint(
                fields=["norm", "effective_date"], name="norm_version_one_per_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.norm.code} @ {self.effective_date.isoformat()}"

    @property
    def text(self) -> str:
        return localized(self, "text")


class InstitutionChange(models.Model):
    """An institution moved to another region, department or type since the figures counted
    by place last caught up: all its visits are to be counted again under the new place.

    Written by ``services.institution_save`` in the transaction of the change; read and
    deleted by ``kuzet.dashboard.facts.facts_catch_up``, which deletes it only if its
    ``token`` is still the one it read (a move made meanwhile stays marked).
    """

    # Not a foreign key, like ``VisitChange``: the mark must not hold up a deletion.
    institution_id = models.BigIntegerField(primary_key=True)
    token = models.UUIDField(default=uuid.uuid4)

    def __str__(self) -> str:
        return f"institution {self.institution_id} moved ({self.token})"

    @staticmethod
    def mark(institution_id: int) -> None:
        InstitutionChange.objects.bulk_create(
            [InstitutionChange(institution_id=institution_id)],
            update_conflicts=True,
            unique_fields=["institution_id"],
            update_fields=["token"],
        )
