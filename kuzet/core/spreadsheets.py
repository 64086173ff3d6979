"""Spreadsheets in and out: limits checked before an uploaded XLSX or CSV is parsed, and
cells that a spreadsheet program would run as formulas written as text."""

import html
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

# A cell starting with one of these is a formula to a spreadsheet: written as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Problems listed on a page or by a command; the rest are counted ("and N more").
LISTED_ERRORS = 100
_CHUNK = 64 * 1024
# Parts smaller than this are not judged by their compression ratio: a tiny XML part
# (styles, an empty sheet) often compresses far better than its data ever could.
_RATIO_FLOOR = 1024 * 1024
_MB = 1024 * 1024
# A row element of a sheet, with or without a namespace prefix (not <rowBreaks>).
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$")
# Workbook.xml and its relationships are read for the sheets' names only when this small.
_NAMES_PART_MAX = 1024 * 1024
# Elements and attributes read from them, by pattern: no XML parser runs before the checks.
_SHEET = re.compile(r"<(?:\w+:)?sheet\s[^>]*>")
_RELATIONSHIP = re.compile(r"<(?:\w+:)?Relationship\s[^>]*>")
_ATTRIBUTE = re.compile(r'([\w:]+)\s*=\s*"([^"]*)"')


class SpreadsheetError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAWorkbook(SpreadsheetError):
    """The bytes are not a readable zip archive (so not an XLSX workbook)."""


class SpreadsheetTooLarge(SpreadsheetError):
    """The file is over one of the limits; nothing of it was parsed."""


def _megabytes(value: int) -> str:
    return f"{round(value / _MB, 1):g}"


def xlsx_archive_check(data: bytes, *, max_rows: int) -> None:
    """Refuse an XLSX whose zip would unpack to too much before any XML parser sees it.

    The central directory's sizes are checked first (number of parts, the total unpacked
    size, compression ratio); then every part is unpacked in chunks and dropped, so that a
    part whose header lies about its size is refused too and at most
    ``KUZET_UPLOAD_MAX_UNPACKED_BYTES`` are ever inflated. While a sheet is unpacked its row
    elements are counted: a sheet of more than ``max_rows`` rows is refused before openpyxl,
    which scans a whole sheet that declares no size just to open the workbook.
    """
    max_parts = settings.KUZET_UPLOAD_MAX_PARTS
    max_total = settings.KUZET_UPLOAD_MAX_UNPACKED_BYTES
    max_ratio = settings.KUZET_UPLOAD_MAX_RATIO
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise NotAWorkbook(type(exc).__name__) from None
    with archive:
        members = archive.infolist()
        if len(members) > max_parts:
            raise SpreadsheetTooLarge(
                _("the workbook has %(count)s parts; at most %(max)s are accepted")
                % {"count": len(members), "max": max_parts}
            )
        declared = sum(info.file_size for info in members)
        if declared > max_total:
            raise SpreadsheetTooLarge(
                _("the workbook unpacks to %(size)s MB; at most %(max)s MB are accepted")
                % {"size": _megabytes(declared), "max": _megabytes(max_total)}
            )
        for info in members:
            ratio = info.file_size // max(info.compress_size, 1)
            if info.file_size > _RATIO_FLOOR and ratio > max_ratio:
                raise SpreadsheetTooLarge(
                    _(
                        "the part %(part)s of the workbook is compressed %(ratio)s times; "
                        "at most %(max)s times is accepted"
                    )
                    % {"part": info.filename, "ratio": ratio, "max": max_ratio}
                )
        names = _sheet_names(archive)
        for info in members:
            rows = _unpack_counting_rows(archive, info)
            if rows > max_rows:
                name = names.get(info.filename, info.filename.rsplit("/", 1)[-1])
                raise too_many_rows(name, max_rows)


def _unpack_counting_rows(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    # zipfile hands out at most the declared size and then checks the CRC, so a part whose
    # header lies about its size fails here, after at most that many bytes.
    count_rows = bool(_SHEET_PART.match(info.filename))
    rows, tail = 0, b""
    try:
        with archive.open(info) as part:
            while chunk := part.read(_CHUNK):
                if count_rows:
                    # A row tag cut by the chunk boundary is found in the next round.
                    window = tail + chunk
                    rows += len(_ROW.findall(window, 0, max(len(window) - 16, 0)))
                    tail = window[max(len(window) - 16, 0) :]
        if count_rows:
            rows += len(_ROW.findall(tail))
    except Exception as exc:  # zipfile raises many kinds (CRC, encryption, bad data)
        raise NotAWorkbook(type(exc).__name__) from None
    return rows


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet part → the sheet's name, for messages; empty when the parts are unusual."""
    try:
        book = archive.getinfo("xl/workbook.xml")
        rels = archive.getinfo("xl/_rels/workbook.xml.rels")
        if book.file_size > _NAMES_PART_MAX or rels.file_size > _NAMES_PART_MAX:
            return {}
        targets = {}
        for element in _RELATIONSHIP.findall(archive.read(rels).decode("utf-8", "replace")):
            attributes = dict(_ATTRIBUTE.findall(element))
            target = html.unescape(attributes.get("Target", "")).removeprefix("/xl/")
            targets[attributes.get("Id")] = "xl/" + target
        names = {}
        for element in _SHEET.findall(archive.read(book).decode("utf-8", "replace")):
            attributes = {k.split(":")[-1]: v for k, v in _ATTRIBUTE.findall(element)}
            part = targets.get(attributes.get("id"))
            if part:
                names[part] = html.unescape(attributes.get("name", ""))
        return names
    except Exception:  # only the messages lose the names
        return {}


def declared_size_check(sheet: Any, *, what: str, max_rows: int, max_columns: int | None) -> None:
    """Refuse a sheet whose declared dimensions (the ``<dimension>`` of its XML, read by
    openpyxl in read-only mode without reading the rows) are over the limits. A sheet may
    declare nothing or less than it holds: callers still stop reading at ``max_rows``."""
    rows = getattr(sheet, "max_row", None)
    if isinstance(rows, int) and rows > max_rows:
        raise too_many_rows(what, max_rows)
    columns = getattr(sheet, "max_column", None)
    if max_columns is not None and isinstance(columns, int) and columns > max_columns:
        raise SpreadsheetTooLarge(
            _("the sheet %(sheet)s has %(count)s columns; at most %(max)s are accepted")
            % {"sheet": what, "count": columns, "max": max_columns}
        )


def too_many_rows(what: str, max_rows: int) -> SpreadsheetTooLarge:
    return SpreadsheetTooLarge(
        _("the sheet %(sheet)s has more than %(max)s rows") % {"sheet": what, "max": max_rows}
    )


def csv_row_check(cells: Sequence[str], *, line: int) -> None:
    """Refuse a CSV row longer than ``KUZET_CSV_MAX_ROW_CHARS`` characters."""
    limit = settings.KUZET_CSV_MAX_ROW_CHARS
    if sum(len(cell) for cell in cells) > limit:
        raise SpreadsheetTooLarge(
            _("line %(line)s is longer than %(max)s characters") % {"line": line, "max": limit}
        )


def upload_size_message(size: int) -> str | None:
    """Why an uploaded file is refused for its size alone, or None."""
    limit = settings.KUZET_IMPORT_MAX_BYTES
    if size <= limit:
        return None
    return _("the file is larger than %(max)s MB") % {"max": _megabytes(limit)}


def listed(errors: Sequence[Any]) -> tuple[Sequence[Any], int]:
    """The problems to list and how many more there are."""
    shown = errors[:LISTED_ERRORS]
    return shown, len(errors) - len(shown)


def formula_protected(value: Any) -> Any:
    """A text a spreadsheet would run as a formula, made plain text with a leading
    apostrophe; texts already starting with apostrophes before such a character get one more,
    so that ``formula_unprotected`` gives back exactly the original."""
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_START):
        return "'" + value
    return value


def formula_unprotected(value: Any) -> Any:
    """The original of a text written by ``formula_protected``."""
    if (
        isinstance(value, str)
        and value.startswith("'")
        and value.lstrip("'").startswith(FORMULA_START)
    ):
        return value[1:]
    return value


def rows_within(rows: Iterator[Any], *, what: str, max_rows: int) -> Iterator[Any]:
    """The rows, refusing the sheet when row ``max_rows + 1`` comes."""
    for number, row in enumerate(rows, start=1):
        if number > max_rows:
            raise too_many_rows(what, max_rows)
        yield row
