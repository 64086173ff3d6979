"""Benchmark: validating one response, µs per ``validate_response`` call.

    .venv/bin/python bench/validation.py

Two instruments, read from generated XLSForms (no database):

1. the sync bench's checklist (bench/sync_throughput.py SETUP): 10 sections × (20 required
   compliance items, 3 texts, 2 integers) = 250 questions, with its 250 answers;
2. bench/instruments.py's 500-question form (relevance, constraints, select-multiple).

For each, the median of many calls: with the same document object each time (a page or a
batch), and with a fresh copy of the document each time, as the sync server has after
loading the version from the database for every record (the copy is made outside the clock).
"before" is the plain walk validation had before plans (the reference kept in
kuzet/instruments/tests/test_validation_plan.py), timed in the same run.
"""

import copy
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "kuzet" / "instruments" / "tests"))

SECTIONS, ITEMS = 10, 20


def checklist_250() -> bytes:
    from xlsforms import COMPLIANCE, xlsform  # the tests' workbook builder

    survey: list[list[object]] = []
    for s in range(SECTIONS):
        survey.append(["begin group", f"s{s}", f"Раздел {s}", f"Бөлім {s}"])
        for i in range(ITEMS):
            survey.append(["select_one compliance", f"s{s}_c{i}", f"Пункт {s}.{i}", f"Тармақ {s}.{i}", "yes"])  # fmt: skip
        for i in range(3):
            survey.append(["text", f"s{s}_t{i}", f"Замечание {s}.{i}", f"Ескерту {s}.{i}", "yes"])
        for i in range(2):
            survey.append(["integer", f"s{s}_n{i}", f"Число {s}.{i}", f"Сан {s}.{i}", "yes"])
        survey.append(["end group"])
    return xlsform(
        survey=survey,
        choices=COMPLIANCE,
        settings={"form_id": "bench-250", "kuzet_institution_types": ""},
    )


def answers_250() -> dict[str, Any]:
    from sync_throughput import answers

    return answers()


def median_us(
    fn: Callable[[], object], runs: int, prepare: Callable[[], Any] | None = None
) -> float:
    out = []
    for _ in range(runs):
        arg = prepare() if prepare else None
        t0 = time.perf_counter()
        fn() if arg is None else fn(arg)  # type: ignore[call-arg]
        out.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(out)


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="kuzet-bench-")
    os.environ.update(KUZET_DEBUG="1", KUZET_VAR_DIR=tmp, DJANGO_SETTINGS_MODULE="kuzet.settings")
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.utils import translation
    from instruments import answers_for, build_xlsform

    from kuzet.instruments.tests.test_validation_plan import reference_validate_response
    from kuzet.instruments.validation import validate_response
    from kuzet.instruments.xlsform import read_xlsform

    translation.activate("ru")
    cases = []
    doc = read_xlsform(checklist_250()).document
    assert doc is not None
    cases.append(("checklist, 250 answers (sync bench)", doc, answers_250()))
    doc = read_xlsform(build_xlsform(500)).document
    assert doc is not None
    cases.append(("form, 500 answers (bench/instruments.py)", doc, answers_for(doc)))
    runs = 2000
    for title, doc, answers in cases:
        result = validate_response(doc, answers)
        assert result.ok and len(result.answers) >= 250, list(result.errors.items())[:3]
        text = json.dumps(doc)
        figures = []
        for validate in (reference_validate_response, validate_response):
            same = median_us(lambda: validate(doc, answers), runs)  # noqa: B023
            fresh = median_us(
                lambda d: validate(d, answers),  # noqa: B023
                runs,
                prepare=lambda: json.loads(text),  # noqa: B023
            )
            figures.append(f"same document {same:.0f} µs, fresh copy {fresh:.0f} µs")
        dumps = median_us(lambda: json.dumps(doc, sort_keys=True), 200)  # noqa: B023
        twin = copy.deepcopy(doc)
        equal = median_us(lambda: doc == twin, 2000)  # noqa: B023
        print(
            f"{title} (median of {runs} calls): before {figures[0]}; after {figures[1]}. "
            f"Document {len(text) // 1024} KiB as JSON, json.dumps(sort_keys) {dumps:.0f} µs, "
            f"== with a copy {equal:.0f} µs"
        )


if __name__ == "__main__":
    main()
