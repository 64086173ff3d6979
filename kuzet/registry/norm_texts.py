"""Official texts of legal norms, loaded from a file (CSV, XLSX or JSON): every row or none.

A row names a norm by its code, or by its act and article, and gives the text in force from
an effective date. Each (norm, effective date) is one version (``NormVersion``): a later
load with the same date replaces that version's text; a new date adds a version. A code
that is not in the library yet adds the norm, when the row gives its title and act.
"""

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils.translation import gettext as _

from kuzet.core.access import RoleMayNot
from kuzet.core.policy import Action, can
from kuzet.registry.models import Norm, NormVersion
from kuzet.registry.tabular import TableError, read_table

COLUMNS = (
    "code",
    "act",
    "article",
    "effective_date",
    "text_ru",
    "text_kk",
    "title_ru",
    "title_kk",
    "act_kk",
)
REQUIRED_COLUMNS = ("effective_date", "text_ru")
EXAMPLE = {
    "code": "KZ-CONST-17",
    "act": "Конституция Республики Казахстан",
    "article": "17",
    "effective_date": "1995-08-30",
    "text_ru": "1. Достоинство человека неприкосновенно. …",
    "text_kk": "1. Адамның қадір-қасиетіне қол сұғылмайды. …",
}
# Longer than any article of a code; a CSV row is limited to KUZET_CSV_MAX_ROW_CHARS anyway.
MAX_TEXT_CHARS = 60_000
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")


@dataclass
class TextError:
    """A problem of one row (CSV, XLSX: as numbered in the sheet, the header being row 1)
    or one item (JSON: numbered from 1), in one column or field."""

    row: int
    column: str
    message: str
    json: bool = False

    def __str__(self) -> str:
        if self.json:
            where = _("item %(n)s") % {"n": self.row}
            if self.column:
                where += ", " + _("field %(field)s") % {"field": self.column}
        else:
            where = _("row %(row)s") % {"row": self.row}
            if self.column:
                where += ", " + _("column %(column)s") % {"column": self.column}
        return f"{where}: {self.message}"


@dataclass
class TextsResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    norms_added: int = 0
    errors: list[TextError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    number: int
    norm: Norm | None
    new_norm: dict[str, str] | None
    effective_date: date
    text_ru: str
    text_kk: str


def norm_texts_import(*, file_name: str, data: bytes, actor: Any) -> TextsResult:
    """Load official texts from ``data`` (named ``file_name``: .csv, .xlsx or .json).

    Every problem is reported with its row (or item) and column; nothing is saved when
    there is one. Only the roles that manage reference data may load texts.
    """
    if not can(actor, Action.MANAGE_REFERENCE_DATA):
        raise RoleMayNot(
            Action.MANAGE_REFERENCE_DATA, _("Only the secretariat loads the texts of legal norms.")
        )
    result = TextsResult()
    is_json = file_name.lower().endswith(".json")
    try:
        records = _read_json(data) if is_json else _read_sheet(file_name, data)
    except TableError as exc:
        result.errors.append(TextError(exc.row or 1, "", exc.message, json=is_json))
        return result
    except _HeaderError as exc:
        result.errors.extend(exc.errors)
        return result
    if not records:
        result.errors.append(
            TextError(1 if is_json else 2, "", _("the file has no data rows"), json=is_json)
        )
        return result

    norms = {n.code: n for n in Norm.objects.all()}
    by_act: dict[tuple[str, str], list[Norm]] = {}
    for each in norms.values():
        for act in (each.source_act_ru, each.source_act_kk):
            if act:
                by_act.setdefault((_key(act), _key(each.article)), []).append(each)
    rows: list[_Row] = []
    seen: dict[tuple[str, date], int] = {}
    for number, values in records:
        errors: list[TextError] = []

        def add(column: str, message: str, number: int = number, errors: list = errors) -> None:
            errors.append(TextError(number, column, message, json=is_json))

        for name in sorted(set(values) - set(COLUMNS)):
            if is_json:
                add(name, _("unknown field; the fields are: %s") % ", ".join(COLUMNS))
        text_ru, text_kk = values.get("text_ru", ""), values.get("text_kk", "")
        if not text_ru:
            add("text_ru", _("the Russian text is required"))
        for column, text in (("text_ru", text_ru), ("text_kk", text_kk)):
            if len(text) > MAX_TEXT_CHARS:
                add(column, _("longer than %(max)s characters") % {"max": MAX_TEXT_CHARS})
        effective = _date(values.get("effective_date", ""))
        if effective is None:
            add(
                "effective_date",
                _("give the date the text took effect, as YYYY-MM-DD or DD.MM.YYYY"),
            )
        norm, new_norm = _norm_of(values, norms, by_act, add)
        result.errors.extend(errors)
        if errors or effective is None:
            continue
        code = norm.code if norm else (new_norm or {}).get("code", "")
        if (code, effective) in seen:
            add(
                "effective_date",
                _("duplicates row %(row)s (same norm and effective date)")
                % {"row": seen[(code, effective)]},
            )
            result.errors.extend(errors)
            continue
        seen[(code, effective)] = number
        rows.append(_Row(number, norm, new_norm, effective, text_ru, text_kk))
    if result.errors:
        return result
    try:
        with transaction.atomic():
            _save(rows, result, source=file_name[:255])
    except (IntegrityError, OperationalError):
        result.errors.append(
            TextError(
                1,
                "",
                _("the library changed while loading; nothing was loaded, try again"),
                json=is_json,
            )
        )
        result.created = result.updated = result.unchanged = result.norms_added = 0
    return result


def _save(rows: list[_Row], result: TextsResult, *, source: str) -> None:
    added: dict[str, Norm] = {}
    for row in rows:
        norm = row.norm
        if norm is None:
            assert row.new_norm is not None
            norm = added.get(row.new_norm["code"])
            if norm is None:
                norm = Norm(**row.new_norm, text_is_summary=False)
                norm.full_clean()
                norm.save()
                added[norm.code] = norm
                result.norms_added += 1
        version = NormVersion.objects.filter(norm=norm, effective_date=row.effective_date).first()
        if version is None:
            version = NormVersion(norm=norm, effective_date=row.effective_date)
            result.created += 1
        elif (version.text_ru, version.text_kk) == (row.text_ru, row.text_kk):
            result.unchanged += 1
            continue
        else:
            result.updated += 1
        version.text_ru, version.text_kk, version.source = row.text_ru, row.text_kk, source
        version.full_clean()
        version.save()


def _norm_of(
    values: dict[str, str],
    norms: dict[str, Norm],
    by_act: dict[tuple[str, str], list[Norm]],
    add: Any,
) -> tuple[Norm | None, dict[str, str] | None]:
    """The norm a row names, or the fields of a norm to add; problems go to ``add``."""
    code, act, article = values.get("code", ""), values.get("act", ""), values.get("article", "")
    if code:
        if code in norms:
            return norms[code], None
        if not values.get("title_ru") or not act:
            add(
                "code",
                _("no norm has the code %(code)s; to add it, give its title_ru and act too")
                % {"code": code},
            )
            return None, None
        fields = {
            "code": code,
            "title_ru": values["title_ru"][:500],
            "title_kk": values.get("title_kk", "")[:500],
            "source_act_ru": act[:500],
            "source_act_kk": values.get("act_kk", "")[:500],
            "article": article[:60],
        }
        problems = _new_norm_problems(fields)
        for column, message in problems:
            add(column, message)
        return None, None if problems else fields
    if not act:
        add("code", _("give the norm's code, or its act and article"))
        return None, None
    found = by_act.get((_key(act), _key(article)), [])
    if len(found) == 1:
        return found[0], None
    if not found:
        add(
            "act",
            _("no norm of this act has the article %(article)s; give the norm's code")
            % {"article": article or "—"},
        )
    else:
        add(
            "article",
            _("several norms have this act and article (%(codes)s); give the norm's code")
            % {"codes": ", ".join(sorted(n.code for n in found))},
        )
    return None, None


def _new_norm_problems(fields: dict[str, str]) -> list[tuple[str, str]]:
    from django.core.exceptions import ValidationError

    norm = Norm(**fields)
    try:
        norm.full_clean(validate_unique=False)
    except ValidationError as exc:
        column = {"source_act_ru": "act", "source_act_kk": "act_kk"}
        return [
            (column.get(name, name), str(message))
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return []


def _key(text: str) -> str:
    return " ".join(str(text).replace("«", '"').replace("»", '"').split()).casefold()


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
    return None


class _HeaderError(Exception):
    def __init__(self, errors: list[TextError]) -> None:
        super().__init__("header")
        self.errors = errors


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_sheet(file_name: str, data: bytes) -> list[tuple[int, dict[str, Any]]]:
    header, rows = read_table(file_name, data)
    columns = [str(c).strip().casefold() if c is not None else "" for c in header]
    errors = [
        TextError(1, c, _("unknown column; the columns are: %s") % ", ".join(COLUMNS))
        for c in columns
        if c and c not in COLUMNS
    ]
    errors += [
        TextError(1, c, _("required column is missing"))
        for c in REQUIRED_COLUMNS
        if c not in columns
    ]
    if "code" not in columns and "act" not in columns:
        errors.append(TextError(1, "code", _("give a code column, or act and article columns")))
    named = [c for c in columns if c]
    if len(set(named)) != len(named):
        errors.append(TextError(1, "", _("a column name appears twice")))
    if errors:
        raise _HeaderError(errors)
    records = []
    for number, cells in rows:
        if len(cells) > len(columns) and any(_cell(c) != "" for c in cells[len(columns) :]):
            raise _HeaderError(
                [TextError(number, "", _("the row has more cells than the header has columns"))]
            )
        values = {
            name: _cell(cells[i]) if i < len(cells) else ""
            for i, name in enumerate(columns)
            if name
        }
        values = {k: v if isinstance(v, date) else str(v) for k, v in values.items()}
        records.append((number, values))
    return records


def _read_json(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise TableError(_("the file is not UTF-8 text")) from None
    except json.JSONDecodeError as exc:
        raise TableError(
            _("the JSON is malformed: %(problem)s (line %(line)s, column %(column)s)")
            % {"problem": exc.msg, "line": exc.lineno, "column": exc.colno}
        ) from None
    if not isinstance(document, list):
        raise TableError(_("the JSON must be a list of objects, one per text"))
    if len(document) > settings.KUZET_IMPORT_MAX_ROWS:
        raise TableError(
            _("the file has more than %(max)s items") % {"max": settings.KUZET_IMPORT_MAX_ROWS}
        )
    records = []
    errors = []
    for number, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            errors.append(TextError(number, "", _("each item must be an object"), json=True))
            continue
        values: dict[str, Any] = {}
        for key, value in item.items():
            if value is None:
                value = ""
            if not isinstance(value, str | int):
                errors.append(TextError(number, str(key), _("give text"), json=True))
                continue
            values[str(key)] = str(value).strip()
        records.append((number, values))
    if errors:
        raise _HeaderError(errors)
    return records
