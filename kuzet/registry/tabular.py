"""Reading CSV and XLSX files into rows, with errors that say where the file is wrong."""

import csv
import io
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from kuzet.core.spreadsheets import (
    NotAWorkbook,
    SpreadsheetTooLarge,
    csv_row_check,
    declared_size_check,
    xlsx_archive_check,
)

Rows = list[tuple[int, list[Any]]]


class TableError(Exception):
    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


# Columns read from a sheet; a file declaring thousands of columns is not padded out.
MAX_COLUMNS = 64


def read_table(file_name: str, data: bytes) -> tuple[list[Any], Rows]:
    """The header and the non-empty rows, each with its 1-based row number in the file.

    At most ``KUZET_IMPORT_MAX_ROWS`` rows are read (more rows than any inventory has); an
    XLSX passes the archive limits of ``kuzet.core.spreadsheets`` before it is parsed.
    """
    name = file_name.lower()
    try:
        if name.endswith(".csv"):
            return _read_csv(data)
        if name.endswith(".xlsx"):
            return _read_xlsx(data)
    except SpreadsheetTooLarge as exc:
        raise TableError(exc.message) from None
    raise TableError(_("unsupported file type: give a .csv or .xlsx file"))


def _too_many_rows(row: int) -> TableError:
    max_rows = settings.KUZET_IMPORT_MAX_ROWS
    return TableError(_("the file has more than %(max)s rows") % {"max": max_rows}, row=row)


def _read_csv(data: bytes) -> tuple[list[Any], Rows]:
    if not data.strip():
        raise TableError(_("the file is empty"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TableError(
            _(
                "the file is not UTF-8 text (byte %(offset)s); save it as “CSV UTF-8” "
                "(in Excel: Save As → CSV UTF-8)"
            )
            % {"offset": exc.start},
            row=line,
        ) from None
    if "\x00" in text:
        raise TableError(_("the file contains NUL bytes; it is not a CSV text file"))
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: Rows = []
    header: list[Any] | None = None
    max_rows = settings.KUZET_IMPORT_MAX_ROWS
    try:
        for cells in reader:
            csv_row_check(cells, line=reader.line_num)
            if header is None:
                header = cells
            elif any(cell.strip() for cell in cells):
                rows.append((reader.line_num, cells))
            if reader.line_num > max_rows:
                raise _too_many_rows(reader.line_num)
    except csv.Error as exc:
        raise TableError(_("the CSV is malformed: %s") % exc, row=reader.line_num) from None
    return header or [], rows


def _read_xlsx(data: bytes) -> tuple[list[Any], Rows]:
    from openpyxl import load_workbook

    not_xlsx = TableError(_("the file is not a valid XLSX workbook"))
    try:
        xlsx_archive_check(data, max_rows=settings.KUZET_IMPORT_MAX_ROWS)
    except NotAWorkbook:
        raise not_xlsx from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, its own) for a broken file
        raise not_xlsx from None
    rows: Rows = []
    header: list[Any] | None = None
    try:
        sheet = workbook.worksheets[0]
        max_rows = settings.KUZET_IMPORT_MAX_ROWS
        # Columns past MAX_COLUMNS are not read, so only the declared rows can refuse.
        declared_size_check(sheet, what=sheet.title, max_rows=max_rows, max_columns=None)
        # The declared dimensions come from the file and can claim 16,384 columns.
        sheet.reset_dimensions()
        rows_iter = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        for number, cells in enumerate(rows_iter, start=1):
            values = list(cells)
            if header is None:
                header = values
            elif any(v not in (None, "") for v in values):
                rows.append((number, values))
            if number > max_rows:
                raise _too_many_rows(number)
    except (TableError, SpreadsheetTooLarge):
        raise
    except Exception:  # a sheet whose XML breaks half-way
        raise not_xlsx from None
    finally:
        workbook.close()
    return header or [], rows
