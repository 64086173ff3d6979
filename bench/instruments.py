"""Benchmark: instruments — XLSForm import, response validation, condition evaluation.

    .venv/bin/python bench/instruments.py

1. Reading a generated 1,000-question XLSForm (10 sections, select and compliance items,
   relevance conditions, a repeat) and storing it as a version (a throw-away SQLite
   database, through the same service as the upload page).
2. Validating a 500-answer response to a 500-question version (median and p95 of 200 runs).
3. Evaluating the shared condition vectors, in Python here and in Node
   (bench/conditions.mjs), as evaluations per second.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "kuzet" / "instruments" / "tests"))


def build_xlsform(questions: int) -> bytes:
    from xlsforms import COMPLIANCE, xlsform  # the tests' workbook builder

    survey: list[list[object]] = []
    per_section = questions // 10
    for s in range(10):
        survey.append(["begin group", f"s{s}", f"Раздел {s}", f"Бөлім {s}"])
        for q in range(per_section):
            n = s * per_section + q
            kind = n % 4
            if kind == 0:
                survey.append(
                    [
                        "select_one compliance",
                        f"q{n}",
                        f"Пункт {n}",
                        f"Тармақ {n}",
                        "yes",
                        "",
                        "",
                        "",
                        "",
                        "yes",
                    ]
                )
            elif kind == 1:
                survey.append(
                    [
                        "text",
                        f"q{n}",
                        f"Описание {n}",
                        f"Сипаттама {n}",
                        "",
                        f"selected(${{q{n - 1}}}, 'non_compliant') or selected(${{q{n - 1}}}, 'partly')",
                        "",
                        "multiline",
                    ]
                )
            elif kind == 2:
                survey.append(
                    ["integer", f"q{n}", f"Число {n}", f"Сан {n}", "", "", ". >= 0 and . <= 5000"]
                )
            else:
                survey.append(
                    [
                        "select_multiple m",
                        f"q{n}",
                        f"Выбор {n}",
                        f"Таңдау {n}",
                        "",
                        f"${{q{n - 1}}} > 0",
                    ]
                )
        survey.append(["end group"])
    choices = [*COMPLIANCE, ["m", "a", "А", "А"], ["m", "b", "Б", "Б"], ["m", "c", "В", "В"]]
    return xlsform(
        survey=survey,
        choices=choices,
        settings={"form_id": f"bench-{questions}", "kuzet_institution_types": ""},
    )


def answers_for(document: dict) -> dict:
    answers: dict[str, object] = {}
    for section in document["sections"]:
        for q in section["items"]:
            t = q["type"]
            answers[q["name"]] = {
                "compliance": "partly",
                "long_text": "Наблюдение",
                "integer": 12,
                "select_multiple": ["a", "c"],
            }[t]
    return answers


def timed(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return sorted(out)


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="kuzet-bench-")
    os.environ.update(KUZET_DEBUG="1", KUZET_VAR_DIR=tmp, DJANGO_SETTINGS_MODULE="kuzet.settings")
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    settings.DATABASES["default"]["TEST"]["NAME"] = str(Path(tmp) / "bench.sqlite3")
    old = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        from kuzet.instruments.conditions import Context, evaluate
        from kuzet.instruments.services import instrument_version_import
        from kuzet.instruments.validation import validate_response
        from kuzet.instruments.xlsform import read_xlsform

        data = build_xlsform(1000)
        reads = timed(lambda: read_xlsform(data), 5)
        t0 = time.perf_counter()
        outcome = instrument_version_import(data=data, actor=None)
        stored_ms = (time.perf_counter() - t0) * 1000
        assert outcome.version is not None and outcome.version.question_count == 1000, (
            outcome.errors[:3]
        )
        print(
            f"XLSForm import, 1,000 questions ({len(data) // 1024} KiB): read median {statistics.median(reads):.0f} ms; "
            f"read + validate + store as a version {stored_ms:.0f} ms ({connection.vendor})"
        )

        doc = read_xlsform(build_xlsform(500)).document
        assert doc is not None
        answers = answers_for(doc)
        result = validate_response(doc, answers)
        assert result.ok and len(result.answers) == 500, list(result.errors.items())[:3]
        runs = timed(lambda: validate_response(doc, answers), 200)
        p95 = statistics.quantiles(runs, n=20)[-1]
        print(
            f"validation of a 500-answer response: median {statistics.median(runs):.2f} ms, p95 {p95:.2f} ms (200 runs)"
        )

        vectors = json.loads(
            (ROOT / "kuzet/instruments/static/instruments/condition-vectors.json").read_text()
        )["vectors"]
        good = [v for v in vectors if not v.get("error")]
        contexts = [
            (v["condition"], Context(v["answers"], v.get("instance"), v.get("self"))) for v in good
        ]
        rounds = 2000
        t0 = time.perf_counter()
        for _ in range(rounds):
            for condition, context in contexts:
                evaluate(condition, context)
        per_second = rounds * len(contexts) / (time.perf_counter() - t0)
        print(
            f"condition vectors, Python: {per_second:,.0f} evaluations/s ({len(contexts)} vectors × {rounds})"
        )
        node = subprocess.run(
            ["node", str(ROOT / "bench/conditions.mjs")],
            capture_output=True,
            text=True,
            check=False,
        )
        print(
            node.stdout.strip()
            or f"condition vectors, JavaScript: node failed: {node.stderr.strip()[:200]}"
        )
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
