"""Writes to the inventory: reference data, institution imports and changes."""

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.utils.translation import gettext as _

from kuzet.core.policy import Action, regions_where
from kuzet.registry.forms import InstitutionRowForm
from kuzet.registry.models import (
    Department,
    Institution,
    InstitutionChange,
    InstitutionType,
    Norm,
    Region,
)
from kuzet.registry.tabular import TableError, read_table

REFERENCE_FILE = Path(__file__).parent / "data" / "reference.json"

IMPORT_COLUMNS = (
    "name_ru",
    "name_kk",
    "type",
    "region",
    "department",
    "address",
    "latitude",
    "longitude",
    "capacity",
    "population",
    "population_date",
    "phone",
    "email",
    "contact_person",
    "notes",
)
REQUIRED_COLUMNS = ("name_ru", "type", "region")
IMPORT_EXAMPLE = {
    "name_ru": "ИВС УП г. Кокшетау",
    "name_kk": "Көкшетау қ. ПБ УҰИ",
    "type": "ivs",
    "region": "110000000",
    "address": "г. Кокшетау, ул. Абая, 1",
    "capacity": "40",
    "population": "32",
    "population_date": "01.10.2026",
}


def reference_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    return data


@transaction.atomic
def reference_data_load(*, update: bool = False) -> dict[str, int]:
    """Create the shipped regions, departments and types that are missing.

    With ``update`` also overwrite names edited since; codes are the stable keys.
    Returns how many of each were created.
    """
    data = reference_data()
    created = {"regions": 0, "departments": 0, "institution_types": 0}

    def upsert(model: Any, key: str, row: dict[str, Any], counter: str) -> Any:
        values = {k: v for k, v in row.items() if k != key}
        obj = model.objects.filter(**{key: row[key]}).first()
        if obj is None:
            obj = model(**row)
            obj.full_clean()
            obj.save()
            created[counter] += 1
        elif update:
            for name, value in values.items():
                setattr(obj, name, value)
            obj.full_clean()
            obj.save()
        return obj

    for row in data["regions"]:
        upsert(Region, "kato", row, "regions")
    departments = {
        row["code"]: upsert(Department, "code", row, "departments") for row in data["departments"]
    }
    for row in data["institution_types"]:
        upsert(
            InstitutionType,
            "code",
            {**row, "department": departments[row["department"]]},
            "institution_types",
        )
    return created


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = _("row %(row)s") % {"row": self.row}
        if self.column:
            where += ", " + _("column %(column)s") % {"column": self.column}
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Lookup:
    """Resolves the codes and names used in import files to reference records."""

    def __init__(self) -> None:
        self.types: dict[str, InstitutionType] = {}
        for t in InstitutionType.objects.select_related("department"):
            for key in (t.code, t.name_ru, t.name_kk, t.name_en, t.short_name_ru, t.short_name_kk):
                if key:
                    self.types.setdefault(key.strip().casefold(), t)
        self.regions: dict[str, Region] = {}
        for r in Region.objects.all():
            for key in (r.kato, r.name_ru, r.name_kk, r.name_en):
                if key:
                    self.regions.setdefault(key.strip().casefold(), r)
        self.departments: dict[str, Department] = {}
        for d in Department.objects.all():
            for key in (d.code, d.name_ru, d.name_kk, d.name_en, d.short_name_ru, d.short_name_kk):
                if key:
                    self.departments.setdefault(key.strip().casefold(), d)


def _clean_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        # Spreadsheets give coordinates with more decimals than the 6 (≈ 0.1 m) stored.
        return round(value, 6)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _round_coordinate(value: Any) -> Any:
    try:
        return str(Decimal(str(value).strip().replace(",", ".")).quantize(Decimal("0.000001")))
    except (InvalidOperation, ValueError):
        return value  # the form reports it


def _resolve(
    result: ImportResult,
    row_number: int,
    values: dict[str, Any],
    column: str,
    table: dict[str, Any],
    what: str,
) -> Any:
    """The record a cell names, or ``None``; an unknown name is added to ``result.errors``."""
    raw = str(values.get(column, "")).strip()
    if not raw:
        return None
    found = table.get(raw.casefold())
    if found is None:
        result.errors.append(
            RowError(
                row_number, column, _("unknown %(what)s %(value)r") % {"what": what, "value": raw}
            )
        )
    return found


def institutions_import(
    *, file_name: str, data: bytes, actor: Any, is_demo: bool = False
) -> ImportResult:
    """Import institutions from a CSV or XLSX file: every row, or none.

    Returns the number created, or every problem found with its row (as numbered in the
    spreadsheet, the header being row 1) and column; nothing is saved when there is one.
    """
    result = ImportResult()
    try:
        header, rows = read_table(file_name, data)
    except TableError as exc:
        result.errors.append(RowError(exc.row or 1, "", exc.message))
        return result

    columns = [str(c).strip().casefold() if c is not None else "" for c in header]
    unknown = [c for c in columns if c and c not in IMPORT_COLUMNS]
    for c in unknown:
        result.errors.append(
            RowError(1, c, _("unknown column; the columns are: %s") % ", ".join(IMPORT_COLUMNS))
        )
    for required in REQUIRED_COLUMNS:
        if required not in columns:
            result.errors.append(RowError(1, required, _("required column is missing")))
    if len(set(c for c in columns if c)) != len([c for c in columns if c]):
        result.errors.append(RowError(1, "", _("a column name appears twice")))
    if result.errors:
        return result
    if not rows:
        result.errors.append(RowError(2, "", _("the file has no data rows")))
        return result

    allowed_regions = regions_where(actor, Action.IMPORT_INSTITUTIONS)
    lookup = _Lookup()
    seen: dict[tuple[str, int, int], int] = {}
    forms: list[InstitutionRowForm] = []
    for row_number, cells in rows:
        if len(cells) > len(columns) and any(_clean_cell(c) != "" for c in cells[len(columns) :]):
            result.errors.append(
                RowError(row_number, "", _("the row has more cells than the header has columns"))
            )
            continue
        values = {
            name: _clean_cell(cells[i]) if i < len(cells) else ""
            for i, name in enumerate(columns)
            if name
        }
        errors_before = len(result.errors)

        inst_type = _resolve(
            result, row_number, values, "type", lookup.types, _("institution type")
        )
        region = _resolve(
            result, row_number, values, "region", lookup.regions, _("region (KATO code or name)")
        )
        department = _resolve(
            result, row_number, values, "department", lookup.departments, _("department")
        )
        if region is not None and allowed_regions is not None and region.pk not in allowed_regions:
            result.errors.append(
                RowError(
                    row_number, "region", _("you may import institutions of your own region only")
                )
            )
        if len(result.errors) > errors_before:
            continue

        form_data = {k: v for k, v in values.items() if k not in ("type", "region", "department")}
        for column in ("latitude", "longitude"):
            form_data[column] = _round_coordinate(form_data.get(column, ""))
        department = department or (inst_type.department if inst_type else None)
        form_data.update(
            type=inst_type.pk if inst_type else "",
            region=region.pk if region else "",
            department=department.pk if department else "",
            is_demo=is_demo,
        )
        form = InstitutionRowForm(data=form_data)
        if not form.is_valid():
            for column, messages in form.errors.items():
                for message in messages:
                    name = "name_ru" if column == "__all__" else column
                    result.errors.append(RowError(row_number, name, str(message)))
            continue
        key = (
            Institution.name_key_of(form.cleaned_data["name_ru"]),
            form.cleaned_data["region"].pk,
            form.cleaned_data["type"].pk,
        )
        if key in seen:
            result.errors.append(
                RowError(
                    row_number,
                    "name_ru",
                    _("duplicates row %(row)s (same name, type and region)") % {"row": seen[key]},
                )
            )
            continue
        seen[key] = row_number
        forms.append(form)

    if result.errors:
        return result
    try:
        with transaction.atomic():
            for form in forms:
                form.save()
    except (IntegrityError, OperationalError):
        # Another writer created one of these institutions since the rows were checked,
        # or the database gave up waiting for it.
        result.errors.append(
            RowError(
                1, "", _("the inventory changed while importing; nothing was imported, try again")
            )
        )
        return result
    result.created = len(forms)
    return result


# What places an institution's visits in the figures counted by place.
PLACE_FIELDS = ("region_id", "department_id", "type_id")


@transaction.atomic
def institution_save(*, institution: Institution) -> Institution:
    """Save a new or changed institution (the admin); one moved to another region,
    department or type is marked (``InstitutionChange``) so that its visits are counted
    under its new place."""
    institution.full_clean()
    before = (
        Institution.objects.filter(pk=institution.pk).values_list(*PLACE_FIELDS).first()
        if institution.pk is not None
        else None
    )
    institution.save()
    if before is not None and before != tuple(getattr(institution, f) for f in PLACE_FIELDS):
        InstitutionChange.mark(institution.pk)
    return institution


NORMS_DIR = Path(__file__).parent / "data" / "norms"


@transaction.atomic
def norms_load(*, update: bool = False) -> int:
    """Create the shipped legal norms (``data/norms/*.json``) that are missing.

    A code may appear in several files (two instruments cite one article); the first file,
    in name order, defines it. Returns how many were created.
    """
    created = 0
    seen: set[str] = set()
    for path in sorted(NORMS_DIR.glob("*.json")):
        for row in json.loads(path.read_text(encoding="utf-8")):
            if row["code"] in seen:
                continue
            seen.add(row["code"])
            values = {k: v for k, v in row.items() if k in NORM_FIELDS}
            if values.get("effective_date") in ("", None):
                values["effective_date"] = None
            norm = Norm.objects.filter(code=row["code"]).first()
            if norm is None:
                norm = Norm(**values)
                created += 1
            elif update:
                for name, value in values.items():
                    setattr(norm, name, value)
            else:
                continue
            norm.full_clean()
            norm.save()
    return created


NORM_FIELDS = (
    "code",
    "title_ru",
    "title_kk",
    "text_ru",
    "text_kk",
    "text_is_summary",
    "source_act_ru",
    "source_act_kk",
    "article",
    "effective_date",
)
