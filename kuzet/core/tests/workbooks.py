"""Hostile XLSX files for tests of the upload limits, written part by part with zipfile so
that building a 200 MB zip bomb never holds more than one chunk in memory."""

import functools
import io
import zipfile
from collections.abc import Iterable

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)  # fmt: skip
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)  # fmt: skip
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)  # fmt: skip
SHEET_START = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_END = "</sheetData></worksheet>"
MB = 1024 * 1024


def _workbook(sheet_name: str, sheet: Iterable[str], shared_strings: Iterable[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK.format(name=sheet_name))
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, chunks in (
            ("xl/worksheets/sheet1.xml", sheet),
            ("xl/sharedStrings.xml", shared_strings),
        ):
            with archive.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk.encode())
    return buffer.getvalue()


def _shared_strings(text_bytes: int) -> Iterable[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
    block = "A" * MB
    for _ in range(text_bytes // MB):
        yield block
    yield "</t></si></sst>"


@functools.cache
def zip_bomb(sheet_name: str = "survey", megabytes: int = 200) -> bytes:
    """A workbook of a few hundred kilobytes whose shared strings unpack to ``megabytes`` MB."""
    sheet = [SHEET_START, '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', SHEET_END]
    return _workbook(sheet_name, sheet, _shared_strings(megabytes * MB))


def many_rows(sheet_name: str, rows: int, cells: Iterable[str]) -> bytes:
    """A workbook whose one sheet has a header and ``rows`` rows of the same shared-string
    cells and the row's number, and no ``<dimension>``: a reader learns its size only by
    reading it."""
    values = list(cells)
    header = "".join(
        f'<c t="inlineStr"><is><t>{text}</t></is></c>' for text in ["type", "name", "label"]
    )
    # Each row also holds its number, so that the sheet compresses like real data does.
    cells_xml = "".join(f'<c t="s"><v>{n}</v></c>' for n in range(len(values)))

    def sheet() -> Iterable[str]:
        yield SHEET_START + f"<row>{header}</row>"
        for start in range(0, rows, 1000):
            numbers = range(start, min(start + 1000, rows))
            yield "".join(f"<row>{cells_xml}<c><v>{n}</v></c></row>" for n in numbers)
        yield SHEET_END

    strings = "".join(f"<si><t>{text}</t></si>" for text in values)
    shared = [
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + strings
        + "</sst>"
    ]
    return _workbook(sheet_name, sheet(), shared)


def with_lying_size(data: bytes, part: str, declared: int) -> bytes:
    """The workbook with ``part``'s uncompressed size in both zip headers set to ``declared``."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(part)
        local = info.header_offset
    name = part.encode()
    assert out[local : local + 4] == b"PK\x03\x04"
    out[local + 22 : local + 26] = declared.to_bytes(4, "little")
    position = out.find(b"PK\x01\x02")
    while position != -1:
        length = int.from_bytes(out[position + 28 : position + 30], "little")
        if out[position + 46 : position + 46 + length] == name:
            out[position + 24 : position + 28] = declared.to_bytes(4, "little")
        position = out.find(b"PK\x01\x02", position + 4)
    return bytes(out)
