"""XLSForm files ↔ instrument version documents (the Kuzet dialect, docs/xlsform.md).

``read_xlsform`` uses pyxform's reader for the workbook and builds a version document,
collecting every problem with its sheet, row (as the spreadsheet numbers it) and column;
``write_xlsform`` writes a document back. Export then import gives the same document.
"""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings as django_settings
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from kuzet.core.spreadsheets import (
    NotAWorkbook,
    SpreadsheetTooLarge,
    declared_size_check,
    formula_protected,
    formula_unprotected,
    rows_within,
    xlsx_archive_check,
)
from kuzet.instruments.expressions import ExpressionError, parse, render
from kuzet.instruments.schema import (
    COMPLIANCE_LIST,
    FORMAT,
    LANGUAGES,
    NAME_PATTERN,
    document_problems,
    walk,
)

LANGUAGE_NAMES = {"ru": "Русский (ru)", "kk": "Қазақша (kk)", "en": "English (en)"}
_LANGUAGE_COLUMN = re.compile(r"^(label|hint|guidance_hint|constraint_message)(?:::(.+))?$")
_CODE_IN_NAME = re.compile(r"\((\w\w)\)\s*$")
# Language names people write instead of "Name (code)".
_LANGUAGE_WORDS = {
    "ru": "ru", "russian": "ru", "русский": "ru", "орысша": "ru",
    "kk": "kk", "kazakh": "kk", "қазақша": "kk", "казахский": "kk", "қазақ": "kk",
    "en": "en", "english": "en", "английский": "en", "ағылшынша": "en",
}  # fmt: skip
SURVEY_COLUMNS = {
    "type", "name", "required", "relevant", "constraint", "appearance",
    "kuzet_norms", "kuzet_finding_required", "kuzet_pattern",
    "calculation", "default", "read_only", "choice_filter", "repeat_count",
}  # fmt: skip
# What ODK Collect records by itself (start, end, device): read and left out, since Kuzet
# keeps who recorded what and when in its own trail.
METADATA_TYPES = {
    "start", "end", "today", "deviceid", "phonenumber", "username", "email", "audit",
    "simserial", "subscriberid", "start-geopoint", "start geopoint",
}  # fmt: skip
IMPLICIT_SECTION = "survey"
_LATIN = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфхцыэ", "abvgdezijklmnoprstufhcye", strict=True)),
        "ё": "e", "ж": "zh", "ч": "ch", "ш": "sh", "щ": "sch", "ю": "yu", "я": "ya",
        "ъ": "", "ь": "", "ә": "a", "ғ": "g", "қ": "q", "ң": "n", "ө": "o", "ұ": "u",
        "ү": "u", "һ": "h", "і": "i",
    }
)  # fmt: skip
TYPE_MAP = {
    "text": "text",
    "integer": "integer",
    "decimal": "decimal",
    "date": "date",
    "time": "time",
    "datetime": "datetime",
    "dateTime": "datetime",
    "note": "note",
    "calculate": "calculate",
    "image": "photo",
    "audio": "audio",
    "video": "video",
    "file": "file",
    "geopoint": "geopoint",
}
EXPORT_TYPES = {v: k for k, v in TYPE_MAP.items()} | {"long_text": "text"}
YES = {"yes", "true", "true()", "1"}
NO = {"", "no", "false", "false()", "0"}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class SheetError:
    sheet: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = self.sheet
        if self.row is not None:
            where += ", " + _("row %(row)s") % {"row": self.row}
        if self.column:
            where += ", " + _("column %(column)s") % {"column": self.column}
        return f"{where}: {self.message}"


@dataclass
class ReadResult:
    document: dict[str, Any] | None = None
    errors: list[SheetError] = field(default_factory=list)
    # The settings gave no version: the label is the upload time (as ODK does), and a
    # file imported again is recognised by its content without it.
    version_defaulted: bool = False


def read_xlsform(
    data: bytes,
    *,
    known_norms: set[str] | None = None,
    known_types: set[str] | None = None,
    filename: str = "",
    attachments: dict[str, bytes] | None = None,
    uploaded_at: datetime | None = None,
) -> ReadResult:
    """The version document of an XLSForm workbook, or every problem found in it.

    With ``known_norms`` / ``known_types``, cited legal norms and institution types must
    be among them. ``filename`` gives the defaults of ``form_title`` and ``form_id`` (as
    ODK does); ``attachments`` are the CSV files that ``select_one_from_file`` rows name.
    """
    from pyxform.xls2json_backends import xlsx_to_dict

    result = ReadResult()
    if data.startswith(OLE2_MAGIC):
        result.errors.append(
            SheetError(
                "file",
                None,
                "",
                _(
                    "an encrypted (password-protected) or old .xls workbook; save it as an unprotected .xlsx"
                ),
            )
        )
        return result
    try:
        _size_check(data)
    except SpreadsheetTooLarge as exc:
        result.errors.append(SheetError("file", None, "", exc.message))
        return result
    except NotAWorkbook as exc:
        result.errors.append(
            SheetError(
                "file",
                None,
                "",
                _("not a readable .xlsx workbook (%(reason)s)") % {"reason": exc.message},
            )
        )
        return result
    try:
        book = _unprotected(xlsx_to_dict(io.BytesIO(data)))
    except Exception as exc:  # pyxform raises PyXFormError and, for a broken zip, others
        result.errors.append(
            SheetError(
                "file",
                None,
                "",
                _("not a readable .xlsx workbook (%(reason)s)") % {"reason": type(exc).__name__},
            )
        )
        return result
    reader = _Reader(book, result, known_norms, known_types)
    reader.filename = filename
    reader.attachments = attachments or {}
    reader.uploaded_at = uploaded_at or timezone.now()
    return reader.read()


def _size_check(data: bytes) -> None:
    """Refuse a workbook over the limits before pyxform reads every row of it: the archive,
    then each sheet pyxform reads, by its declared size and by counting its rows (read-only,
    stopping at the limit)."""
    from pyxform.constants import SUPPORTED_SHEET_NAMES

    max_rows = django_settings.KUZET_XLSFORM_MAX_ROWS
    xlsx_archive_check(data, max_rows=max_rows)
    max_columns = django_settings.KUZET_XLSFORM_MAX_COLUMNS
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, its own)
        raise NotAWorkbook(type(exc).__name__) from None
    try:
        names = workbook.sheetnames
        read = [n for n in names if n.lower() in SUPPORTED_SHEET_NAMES or len(names) == 1]
        for name in read:
            sheet = workbook[name]
            declared_size_check(sheet, what=name, max_rows=max_rows, max_columns=max_columns)
            sheet.reset_dimensions()
            for cells in rows_within(
                sheet.iter_rows(values_only=True), what=name, max_rows=max_rows
            ):
                width = len(cells)
                while width and cells[width - 1] in (None, ""):
                    width -= 1
                if width > max_columns:
                    raise SpreadsheetTooLarge(
                        _("the sheet %(sheet)s has %(count)s columns; at most %(max)s are accepted")
                        % {"sheet": name, "count": width, "max": max_columns}
                    )
    except SpreadsheetTooLarge:
        raise
    except Exception as exc:  # a sheet whose XML breaks half-way
        raise NotAWorkbook(type(exc).__name__) from None
    finally:
        workbook.close()


def _unprotected(book: dict[str, Any]) -> dict[str, Any]:
    """The workbook's cell texts without the protection ``write_xlsform`` adds to texts a
    spreadsheet would run as formulas."""
    for key, rows in book.items():
        if isinstance(rows, list):
            book[key] = [
                {k: formula_unprotected(v) for k, v in row.items()}
                if isinstance(row, dict)
                else row
                for row in rows
            ]
    return book


class _Reader:
    def __init__(
        self,
        book: dict[str, Any],
        result: ReadResult,
        known_norms: set[str] | None,
        known_types: set[str] | None,
    ) -> None:
        self.book = book
        self.result = result
        self.known_norms = known_norms
        self.known_types = known_types
        # Survey rows of the sections, repeats and questions, in form order (as schema.walk).
        self.rows: list[int] = []
        self.filename = ""
        self.attachments: dict[str, bytes] = {}
        self.uploaded_at = timezone.now()
        self.default_language = "ru"
        self.title: dict[str, str] = {}
        # Languages of the workbook's label columns: a required language (ru, kk) with no
        # column at all takes the texts of the other (a form kept in one language).
        self.present: set[str] = set()

    def error(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.result.errors.append(SheetError(sheet, row, column, message))

    def read(self) -> ReadResult:
        if not self.book.get("survey"):
            self.error("survey", None, "", _("the survey sheet is missing or empty"))
            return self.result
        settings = self.settings()
        self.present = self.languages_present()
        title = {
            "ru": settings.get("form_title", ""),
            "kk": settings.get("kuzet_title_kk", ""),
            "en": settings.get("kuzet_title_en", ""),
        }
        if self.default_language != "ru" and not title["kk"] and not title["en"]:
            # form_title is in the form's default language
            title[self.default_language], title["ru"] = title["ru"], ""
        # XLSForm has one form_title: without a title of its own, Kazakh (or Russian)
        # takes it.
        self.title = {k: v for k, v in title.items() if v}
        for lang, other in (("ru", "kk"), ("kk", "ru")):
            if lang not in self.title and (self.title.get(other) or self.title.get("en")):
                self.title[lang] = self.title.get(other) or self.title["en"]
        choice_lists = self.choices()
        sections = self.survey(choice_lists)
        if self.result.errors:
            return self.result
        document: dict[str, Any] = {
            "format": FORMAT,
            "code": settings.get("form_id", ""),
            "version": settings.get("version", ""),
            "kind": settings.get("kuzet_kind") or "checklist",
            "title": _texts(self.title),
            "institution_types": (settings.get("kuzet_institution_types") or "").split(),
            "choice_lists": choice_lists,
            "sections": sections,
        }
        mark = settings.get("kuzet_pass_mark", "")
        if mark:
            document["pass_mark"] = int(mark)
        for problem in document_problems(document):
            self.error(*self.locate(problem.path, document), problem.message)
        if not self.result.errors:
            self.result.document = document
        return self.result

    def locate(self, path: str, document: dict[str, Any]) -> tuple[str, int | None, str]:
        """Sheet, row and column of a problem found in the built document."""
        if path.startswith(("title", "code", "version", "kind", "institution_types")):
            return "settings", 2, path.split(".")[0]
        if path == "pass_mark":
            return "settings", 2, "kuzet_pass_mark"
        if path.startswith("choice_lists"):
            return "choices", None, "list_name"
        match = re.match(
            r"^(sections\[\d+\](?:\.items\[\d+\](?:\.items\[\d+\])?)?)(?:\.(\w+))?", path
        )
        if match:
            for index, node in enumerate(walk(document)):
                if node.path == match.group(1):
                    return "survey", self.rows[index], match.group(2) or ""
        return "survey", None, ""

    def settings(self) -> dict[str, str]:
        rows = self.book.get("settings") or []
        settings = {k.strip(): str(v).strip() for k, v in (rows[0] if rows else {}).items()}
        # ODK's defaults: the title and the form ID from the file name, the version from
        # the upload time.
        stem = re.sub(r"\.xlsx?$", "", self.filename.replace("\\", "/").rsplit("/", 1)[-1])
        if not settings.get("form_title") and stem:
            settings["form_title"] = stem
        if not settings.get("form_id") and stem:
            settings["form_id"] = _code_of(stem)
        if not settings.get("version"):
            settings["version"] = self.uploaded_at.strftime("%Y-%m-%d %H:%M:%S")
            self.result.version_defaulted = True
        for required in ("form_id", "form_title"):
            if not settings.get(required):
                self.error("settings", 2, required, _("required"))
        language = settings.get("default_language", "")
        if language:
            code = self.language_code(language)
            if code is None:
                self.error(
                    "settings",
                    2,
                    "default_language",
                    _("unknown language; use 'Русский (ru)', 'Қазақша (kk)' or 'English (en)'"),
                )
            else:
                self.default_language = code
        if settings.get("kuzet_kind", "checklist") not in ("checklist", "interview", "test"):
            self.error("settings", 2, "kuzet_kind", _("must be checklist, interview or test"))
        mark = settings.get("kuzet_pass_mark", "")
        if mark and not (mark.isdigit() and 1 <= int(mark) <= 100):
            self.error("settings", 2, "kuzet_pass_mark", _("must be a whole number from 1 to 100"))
        for code in settings.get("kuzet_institution_types", "").split():
            if self.known_types is not None and code not in self.known_types:
                self.error(
                    "settings",
                    2,
                    "kuzet_institution_types",
                    _("no institution type %(code)s") % {"code": repr(code)},
                )
        return settings

    @staticmethod
    def language_code(name: str) -> str | None:
        """``Русский (ru)``, ``ru``, ``Russian``, ``Қазақша`` → the language code."""
        code = _CODE_IN_NAME.search(name)
        if code and code.group(1).lower() in LANGUAGES:
            return code.group(1).lower()
        return _LANGUAGE_WORDS.get(name.strip().lower())

    def languages_present(self) -> set[str]:
        present: set[str] = set()
        for sheet in ("survey", "choices"):
            for row in self.book.get(sheet) or []:
                for column in row if isinstance(row, dict) else ():
                    match = _LANGUAGE_COLUMN.match(column)
                    if match and match.group(1) == "label":
                        if match.group(2) is None:
                            present.add(self.default_language)
                        else:
                            code = self.language_code(match.group(2))
                            if code:
                                present.add(code)
        return present

    def filled(self, texts: dict[str, str]) -> dict[str, str]:
        """``texts`` with a required language that the workbook has no column for taken
        from the other one (or from English)."""
        out = {k: v for k, v in texts.items() if v}
        for lang, other in (("ru", "kk"), ("kk", "ru")):
            if lang not in out and lang not in self.present:
                source = out.get(other) or out.get("en")
                if source:
                    out[lang] = source
        return out

    def language_of(self, sheet: str, column: str) -> str | None:
        match = _LANGUAGE_COLUMN.match(column)
        if not match:
            return None
        if match.group(2) is None:
            return self.default_language  # an unmarked column is in the default language
        code = self.language_code(match.group(2))
        if code:
            return code
        self.error(
            sheet,
            1,
            column,
            _("unknown language; use 'Русский (ru)', 'Қазақша (kk)' or 'English (en)'"),
        )
        return None

    def texts(self, sheet: str, row: dict[str, Any], what: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for column, value in row.items():
            match = _LANGUAGE_COLUMN.match(column)
            if match and match.group(1) == what:
                lang = self.language_of(sheet, column)
                if lang and str(value).strip():
                    out[lang] = str(value).strip()
        return self.filled(out)

    def choices(self) -> dict[str, list[dict[str, Any]]]:
        lists: dict[str, list[dict[str, Any]]] = {}
        for index, row in enumerate(self.book.get("choices") or []):
            if not row:
                continue
            number = index + 2
            list_name = str(row.get("list_name", row.get("list name", ""))).strip()
            name = str(row.get("name", "")).strip()
            if not re.match(NAME_PATTERN, list_name):
                self.error(
                    "choices",
                    number,
                    "list_name",
                    _("not a valid list name: %(name)s") % {"name": repr(list_name)},
                )
                continue
            if not name:
                self.error("choices", number, "name", _("required"))
                continue
            label = self.texts("choices", row, "label")
            self.label_check("choices", number, label)
            if any(c["name"] == name for c in lists.get(list_name, [])):
                self.error(
                    "choices",
                    number,
                    "name",
                    _("choice %(choice)s appears twice in list %(list)s")
                    % {"choice": repr(name), "list": repr(list_name)},
                )
                continue
            choice: dict[str, Any] = {"name": name, "label": label}
            extra = {
                str(k).strip(): str(v).strip()
                for k, v in row.items()
                if str(k).strip() not in ("list_name", "list name", "name")
                and not _LANGUAGE_COLUMN.match(str(k).strip())
                and str(v).strip()
            }
            for column in extra:
                if not re.match(NAME_PATTERN, column):
                    self.error("choices", number, column, _("not a valid column name"))
            if extra:
                choice["properties"] = extra
            lists.setdefault(list_name, []).append(choice)
        return lists

    def label_check(self, sheet: str, number: int, label: dict[str, str]) -> None:
        for lang in ("ru", "kk"):
            if lang not in label:
                self.error(
                    sheet, number, f"label::{LANGUAGE_NAMES[lang]}", _("the label is missing")
                )

    def list_from_file(
        self, number: int, filename: str, lists: dict[str, list[dict[str, Any]]]
    ) -> str | None:
        """The choice list read from the attached CSV ``filename`` (columns ``name`` and
        ``label`` or ``label::…``), added to ``lists``; None after an error."""
        data = self.attachments.get(filename)
        if data is None:
            self.error(
                "survey",
                number,
                "type",
                _("the list file %(file)s is not attached; upload it with the form")
                % {"file": repr(filename)},
            )
            return None
        list_name = _code_of(filename.rsplit(".", 1)[0]).replace("-", "_")
        if not re.match(NAME_PATTERN, list_name):
            list_name = "list_" + list_name
        if list_name in lists:
            return list_name
        if not filename.lower().endswith(".csv"):
            self.error("survey", number, "type", _("only .csv list files can be read"))
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.error(filename, None, "", _("the file is not UTF-8 text"))
            return None
        entries: list[dict[str, Any]] = []
        for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            name = str(row.get("name") or "").strip()
            if not name:
                self.error(filename, line, "name", _("required"))
                continue
            label = self.filled(
                {
                    lang: str(value).strip()
                    for column, value in row.items()
                    if column and value and (lang := self._csv_language(column))
                }
            )
            self.label_check(filename, line, label)
            if any(e["name"] == name for e in entries):
                self.error(
                    filename,
                    line,
                    "name",
                    _("choice %(choice)s appears twice in list %(list)s")
                    % {"choice": repr(name), "list": repr(list_name)},
                )
                continue
            entries.append({"name": name, "label": label})
        if not entries:
            self.error(filename, None, "", _("the list has no choices"))
            return None
        lists[list_name] = entries
        return list_name

    def _csv_language(self, column: str) -> str | None:
        match = _LANGUAGE_COLUMN.match(column.strip())
        if not match or match.group(1) != "label":
            return None
        return (
            self.default_language if match.group(2) is None else self.language_code(match.group(2))
        )

    def condition(self, row: dict[str, Any], number: int, column: str) -> Any:
        text = str(row.get(column, "")).strip()
        if not text:
            return None
        try:
            return parse(text)
        except ExpressionError as exc:
            self.error("survey", number, column, f"{exc}: {text}")
            return None

    def implicit_section(self, sections: list[dict[str, Any]], number: int) -> dict[str, Any]:
        """A section for questions outside any group, titled as the form."""
        used = {str(r.get("name", "")).strip() for r in self.book["survey"] if r}
        used |= {s["name"] for s in sections}
        name, n = IMPLICIT_SECTION, 1
        while name in used:
            n += 1
            name = f"{IMPLICIT_SECTION}_{n}"
        section = {"name": name, "label": dict(self.title), "items": []}
        sections.append(section)
        self.rows.append(number)
        return section

    def survey(self, lists: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        sections: list[dict[str, Any]] = []
        section: dict[str, Any] | None = None
        implicit: dict[str, Any] | None = None  # the implicit section questions go on in
        repeat: dict[str, Any] | None = None
        for index, row in enumerate(self.book["survey"]):
            if not row:
                continue
            number = index + 2
            for column, value in row.items():
                if (
                    column not in SURVEY_COLUMNS
                    and not _LANGUAGE_COLUMN.match(column)
                    and str(value).strip()
                ):
                    self.error("survey", number, column, _("this column is not supported"))
            raw_type = " ".join(str(row.get("type", "")).split())
            keyword = raw_type.lower().replace("_", " ")
            name = str(row.get("name", "")).strip()
            if keyword in ("end group", "end repeat"):
                if keyword == "end repeat":
                    if repeat is None:
                        self.error(
                            "survey", number, "type", _("'end repeat' without 'begin repeat'")
                        )
                    repeat = None
                else:
                    if repeat is not None:
                        self.error(
                            "survey",
                            number,
                            "type",
                            _("'end group' inside a repeat; close the repeat first"),
                        )
                    elif section is None:
                        self.error("survey", number, "type", _("'end group' without 'begin group'"))
                    section = None
                continue
            if keyword in METADATA_TYPES:
                continue
            if not name:
                self.error("survey", number, "name", _("required"))
                continue
            label = self.texts("survey", row, "label")
            relevant = self.condition(row, number, "relevant")
            if keyword == "begin group":
                if repeat is not None:
                    self.error(
                        "survey", number, "type", _("groups inside repeats are not supported")
                    )
                    continue
                if section is not None:
                    self.error(
                        "survey",
                        number,
                        "type",
                        _("groups inside groups are not supported; a top-level group is a section"),
                    )
                    continue
                section = {"name": name, "label": label, "items": []}
                implicit = None
                self.rows.append(number)
                if relevant is not None:
                    section["relevant"] = relevant
                sections.append(section)
                continue
            if keyword == "begin repeat":
                if section is None and repeat is None:
                    implicit = implicit or self.implicit_section(sections, number)
                if repeat is not None:
                    self.error(
                        "survey", number, "type", _("repeats inside repeats are not supported")
                    )
                else:
                    repeat = {"kind": "repeat", "name": name, "label": label, "items": []}
                    self.rows.append(number)
                    if relevant is not None:
                        repeat["relevant"] = relevant
                    count = str(row.get("repeat_count", "")).strip()
                    if count:
                        repeat["repeat_count"] = count
                    (section or implicit or {"items": []})["items"].append(repeat)
                continue
            question = self.question(row, number, raw_type, name, label, relevant, lists)
            if question is None:
                continue
            if section is None and repeat is None:
                implicit = implicit or self.implicit_section(sections, number)
            (repeat or section or implicit or {"items": []})["items"].append(question)
            self.rows.append(number)
        if repeat is not None:
            self.error(
                "survey",
                None,
                "type",
                _("repeat %(name)s is never closed (end repeat)") % {"name": repr(repeat["name"])},
            )
        if section is not None:
            self.error(
                "survey",
                None,
                "type",
                _("group %(name)s is never closed (end group)") % {"name": repr(section["name"])},
            )
        if not sections and not self.result.errors:
            self.error("survey", None, "", _("the survey has no questions"))
        return sections

    def question(
        self,
        row: dict[str, Any],
        number: int,
        raw_type: str,
        name: str,
        label: dict[str, str],
        relevant: Any,
        lists: dict[str, list[dict[str, Any]]],
    ) -> dict[str, Any] | None:
        appearance = str(row.get("appearance", "")).strip()
        question: dict[str, Any] = {"kind": "question", "name": name}
        select = re.match(r"^select[_ ](one|multiple)(?: (.*))?$", raw_type, re.IGNORECASE)
        from_file = re.match(
            r"^select[_ ](one|multiple)[_ ]from[_ ]file(?: (.*))?$", raw_type, re.IGNORECASE
        )
        if from_file:
            filename = (from_file.group(2) or "").strip()
            if not filename:
                self.error("survey", number, "type", _("name the list file after the type"))
                return None
            list_name = self.list_from_file(number, filename, lists)
            if list_name is None:
                return None
            question["type"] = f"select_{from_file.group(1).lower()}"
            question["choices"] = list_name
        elif select:
            list_name = (select.group(2) or "").strip()
            if not list_name or " " in list_name:
                self.error(
                    "survey",
                    number,
                    "type",
                    _("%(type)s needs one choice list name") % {"type": repr(raw_type)},
                )
                return None
            if select.group(1).lower() == "one" and list_name == COMPLIANCE_LIST:
                question["type"] = "compliance"
            else:
                question["type"] = f"select_{select.group(1).lower()}"
                question["choices"] = list_name
        elif raw_type in TYPE_MAP or raw_type.lower() in TYPE_MAP:
            question["type"] = TYPE_MAP.get(raw_type) or TYPE_MAP[raw_type.lower()]
            if raw_type.lower() == "text" and appearance == "multiline":
                question["type"] = "long_text"
                appearance = ""
        else:
            self.error(
                "survey", number, "type", _("unsupported type %(type)s") % {"type": repr(raw_type)}
            )
            return None
        question["label"] = label
        hint = self.texts("survey", row, "hint")
        if hint:
            question["hint"] = hint
        guidance = self.texts("survey", row, "guidance_hint")
        if guidance:
            question["guidance_hint"] = guidance
        calculation = str(row.get("calculation", "")).strip()
        if question["type"] == "calculate":
            if not calculation:
                self.error("survey", number, "calculation", _("required"))
                return None
            question["calculation"] = calculation
        elif calculation:
            self.error("survey", number, "calculation", _("only a calculate row has a calculation"))
        for column in ("default", "choice_filter"):
            value = str(row.get(column, "")).strip()
            if value:
                question[column] = value
        if question.get("choice_filter") and "choices" not in question:
            self.error(
                "survey", number, "choice_filter", _("only a select question has a choice filter")
            )
        read_only = str(row.get("read_only", "")).strip().lower()
        if read_only in YES:
            question["read_only"] = True
        elif read_only not in NO:
            self.error(
                "survey",
                number,
                "read_only",
                _("use yes or leave empty, not %(value)s") % {"value": repr(read_only)},
            )
        required = str(row.get("required", "")).strip().lower()
        if required in YES:
            question["required"] = True
        elif required not in NO:
            self.error(
                "survey",
                number,
                "required",
                _("use yes or leave empty, not %(value)s") % {"value": repr(required)},
            )
        if relevant is not None:
            question["relevant"] = relevant
        constraint = self.condition(row, number, "constraint")
        if constraint is not None:
            question["constraint"] = constraint
        message = self.texts("survey", row, "constraint_message")
        if message:
            question["constraint_message"] = message
        if appearance:
            question["appearance"] = appearance
        pattern = str(row.get("kuzet_pattern", "")).strip()
        if pattern:
            question["pattern"] = pattern
        norms = str(row.get("kuzet_norms", "")).split()
        for code in norms:
            if self.known_norms is not None and code not in self.known_norms:
                self.error(
                    "survey",
                    number,
                    "kuzet_norms",
                    _("no legal norm with the code %(code)s") % {"code": repr(code)},
                )
        if norms:
            question["norms"] = list(dict.fromkeys(norms))
        finding = str(row.get("kuzet_finding_required", "")).strip().lower()
        if finding in YES:
            question["finding_required"] = True
        elif finding not in NO:
            self.error(
                "survey",
                number,
                "kuzet_finding_required",
                _("use yes or leave empty, not %(value)s") % {"value": repr(finding)},
            )
        return question


def _code_of(text: str) -> str:
    """A form ID from a file name: ``Мониторинг ИВС 2024`` → ``monitoring-ivs-2024``."""
    code = slugify(text.lower().translate(_LATIN))[:64].strip("-_")
    return code if code and code[0].isalnum() else f"form-{code}".strip("-")[:64]


def _texts(values: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if v}


def write_xlsform(document: dict[str, Any]) -> bytes:
    """An XLSForm workbook of a version document."""
    languages = [lang for lang in LANGUAGES if _uses_language(document, lang)]
    book = Workbook()
    survey = book.active
    assert survey is not None
    survey.title = "survey"
    text_columns = [
        (kind, lang)
        for kind in ("label", "hint", "guidance_hint", "constraint_message")
        for lang in languages
    ]
    header = ["type", "name", *[f"{k}::{LANGUAGE_NAMES[lang]}" for k, lang in text_columns],
              "required", "relevant", "constraint", "appearance", "kuzet_norms", "kuzet_finding_required",
              "kuzet_pattern", "calculation", "default", "read_only", "choice_filter",
              "repeat_count"]  # fmt: skip
    _put(survey, header)

    def row(item: dict[str, Any], type_text: str) -> list[Any]:
        texts = [item.get(kind, {}).get(lang, "") for kind, lang in text_columns]
        appearance = item.get("appearance", "")
        if item.get("type") == "long_text":
            appearance = "multiline"
        return [
            type_text,
            item["name"],
            *texts,
            "yes" if item.get("required") else "",
            render(item["relevant"]) if item.get("relevant") is not None else "",
            render(item["constraint"]) if item.get("constraint") is not None else "",
            appearance,
            " ".join(item.get("norms", [])),
            "yes" if item.get("finding_required") else "",
            item.get("pattern", ""),
            item.get("calculation", ""),
            item.get("default", ""),
            "yes" if item.get("read_only") else "",
            item.get("choice_filter", ""),
            item.get("repeat_count", ""),
        ]

    def question_type(question: dict[str, Any]) -> str:
        qtype = question["type"]
        if qtype == "compliance":
            return f"select_one {COMPLIANCE_LIST}"
        if qtype in ("select_one", "select_multiple"):
            return f"{qtype} {question['choices']}"
        return EXPORT_TYPES[qtype]

    for section in document["sections"]:
        _put(survey, row(section, "begin group"))
        for item in section["items"]:
            if item["kind"] == "repeat":
                _put(survey, row(item, "begin repeat"))
                for question in item["items"]:
                    _put(survey, row(question, question_type(question)))
                _put(survey, ["end repeat"])
            else:
                _put(survey, row(item, question_type(item)))
        _put(survey, ["end group"])

    choices = book.create_sheet("choices")
    extra = sorted(
        {
            column
            for entries in document["choice_lists"].values()
            for choice in entries
            for column in choice.get("properties", {})
        }
    )
    _put(
        choices,
        ["list_name", "name", *[f"label::{LANGUAGE_NAMES[lang]}" for lang in languages], *extra],
    )
    for list_name, entries in document["choice_lists"].items():
        for choice in entries:
            _put(
                choices,
                [
                    list_name,
                    choice["name"],
                    *[choice["label"].get(lang, "") for lang in languages],
                    *[choice.get("properties", {}).get(column, "") for column in extra],
                ],
            )

    settings = book.create_sheet("settings")
    # A test's pass mark only where there is one: other exports stay as they were.
    mark = [document["pass_mark"]] if "pass_mark" in document else []
    _put(settings, ["form_title", "form_id", "version", "default_language", "kuzet_title_kk", "kuzet_title_en",
                     "kuzet_kind", "kuzet_institution_types", *(["kuzet_pass_mark"] if mark else [])])  # fmt: skip
    title = document["title"]
    _put(settings, [title.get("ru", ""), document["code"], document["version"], LANGUAGE_NAMES["ru"],
                     title.get("kk", ""), title.get("en", ""), document["kind"],
                     " ".join(document.get("institution_types", [])), *mark])  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _put(sheet: Any, values: list[Any]) -> None:
    # Labels are typed by instrument authors: one starting with "=" must stay a label.
    sheet.append([formula_protected(value) for value in values])


def _uses_language(document: dict[str, Any], lang: str) -> bool:
    if lang in ("ru", "kk"):
        return True

    def texts() -> Iterable[dict[str, str]]:
        yield document["title"]
        for node in walk(document):
            for key in ("label", "hint", "guidance_hint", "constraint_message"):
                if key in node.item:
                    yield node.item[key]
        for entries in document["choice_lists"].values():
            for choice in entries:
                yield choice["label"]

    return any(lang in t for t in texts())
