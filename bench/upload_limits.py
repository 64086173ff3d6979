"""Benchmark: peak memory and time of refusing hostile spreadsheets (the upload limits).

Each case runs in a fresh interpreter (peak RSS only grows within a process): it builds
its file, notes the peak RSS, hands the file to the reader the upload uses (the institution
import's ``read_table`` or the XLSForm's ``read_xlsform``), and reports the peak RSS after,
the time and the first problem. ``openpyxl-direct`` reads the 200 MB bomb with openpyxl
without the checks, as the import did before the limits, for comparison.

    .venv/bin/python bench/upload_limits.py
    .venv/bin/python bench/upload_limits.py --case bomb-1g-import
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASES = {
    "bomb-1g-import": "a 1 GiB shared-strings bomb to the institution import",
    "bomb-1g-xlsform": "the same bomb as an XLSForm",
    "rows-300k-xlsform": "an XLSForm of 300,000 rows without a declared size",
    "near-limit-import": "a workbook of 19 MB unpacked (just under the limit) of short strings",
    "openpyxl-direct": "a 200 MB bomb read by openpyxl without the checks (the old way)",
}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def near_limit() -> bytes:
    import io
    import zipfile

    from kuzet.core.tests import workbooks

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", workbooks.CONTENT_TYPES)
        archive.writestr("_rels/.rels", workbooks.ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbooks.WORKBOOK.format(name="Sheet1"))
        archive.writestr("xl/_rels/workbook.xml.rels", workbooks.WORKBOOK_RELS)
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            workbooks.SHEET_START + '<row r="1"><c t="s"><v>0</v></c></row>' + workbooks.SHEET_END,
        )
        with archive.open("xl/sharedStrings.xml", "w") as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            written, number = 0, 0
            while written < 19 * workbooks.MB:
                chunk = "".join(f"<si><t>{n:x}</t></si>" for n in range(number, number + 10_000))
                number += 10_000
                written += part.write(chunk.encode())
            part.write(b"</sst>")
    return buffer.getvalue()


def run_case(case: str) -> dict[str, object]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuzet.settings")
    os.environ.setdefault("KUZET_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    import django

    django.setup()
    from django.utils import translation

    translation.activate("en")
    from kuzet.core.tests.workbooks import many_rows, zip_bomb
    from kuzet.instruments.xlsform import read_xlsform
    from kuzet.registry.tabular import TableError, read_table

    data = {
        "bomb-1g-import": lambda: zip_bomb("Sheet1", megabytes=1024),
        "bomb-1g-xlsform": lambda: zip_bomb("survey", megabytes=1024),
        "rows-300k-xlsform": lambda: many_rows("survey", 300_000, ["text"]),
        "near-limit-import": near_limit,
        "openpyxl-direct": lambda: zip_bomb("Sheet1", megabytes=200),
    }[case]()
    before = peak_mb()
    start = time.perf_counter()
    if case.endswith("xlsform"):
        errors = [str(e) for e in read_xlsform(data).errors]
        outcome = f"{len(errors)} problem(s): {errors[0] if errors else ''}"
    elif case == "openpyxl-direct":
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        rows = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
        outcome = f"read {rows} row(s)"
    else:
        try:
            _, rows = read_table("file.xlsx", data)
            outcome = f"read {len(rows)} row(s)"
        except TableError as exc:
            outcome = f"refused: {exc.message}"
    seconds = time.perf_counter() - start
    return {
        "case": case,
        "file_kb": round(len(data) / 1024),
        "peak_rss_before_mb": round(before),
        "peak_rss_after_mb": round(peak_mb()),
        "seconds": round(seconds, 2),
        "outcome": outcome,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES))
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case and args.json:
        print(json.dumps(run_case(args.case), ensure_ascii=False))
        return
    for case in [args.case] if args.case else list(CASES):
        out = subprocess.run(
            [sys.executable, __file__, "--case", case, "--json"],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{case:20} {result['file_kb']:>7} KB  peak RSS {result['peak_rss_before_mb']:>5} → "
            f"{result['peak_rss_after_mb']:>5} MB  {result['seconds']:>6} s  {result['outcome']}"
        )


if __name__ == "__main__":
    main()
