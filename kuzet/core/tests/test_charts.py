"""One chart path: a chart is the same in every process, and drawing leaves matplotlib's
process-wide settings as they were."""

import base64
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

from kuzet.core.charts import report_chart_png, report_chart_svg_uri, table_svg

ROOT = Path(__file__).resolve().parents[3]
DASHBOARD = "kuzet.dashboard.views"
REPORTS = "kuzet.reports.render,kuzet.reports.docx_render"
CHART = {
    "title": "Посещения по типу учреждения",
    "labels": ["ИВС", "СИЗО", "Қылмыстық-атқару жүйесі"],
    "series": [{"name": "Посещения", "values": [3, 1, 2]}],
    "horizontal": True,
}


@dataclass
class Row:
    label: str
    values: list[float | int | None]
    key: str = ""


@dataclass
class Table:
    """An indicator table as the dashboard hands it to a chart."""

    columns: list[str]
    rows: list[Row]
    chart: str = "bar"

    @property
    def is_empty(self) -> bool:
        return not any(v for row in self.rows for v in row.values)


# A fresh interpreter imports the modules of one reader, draws, imports the other's, draws
# again; it prints the drawings and the settings that the imports and drawings changed.
DRAW = """
import base64, json, sys
import matplotlib
settings = dict(matplotlib.rcParams)
import django
django.setup()
from kuzet.core.charts import report_chart_png, report_chart_svg_uri, table_svg
from kuzet.dashboard.indicators import Row, Table

chart = json.loads(sys.argv[3])
table = Table("t", "T", ["Visits", "Share %"], [Row("ИВС", [3, 60]), Row("СИЗО", [2, 40])])

def draw():
    uri = report_chart_svg_uri(chart)
    png = report_chart_png(chart)
    return [uri, base64.b64encode(png).decode(), base64.b64encode(table_svg(table)).decode()]

drawings = []
for modules in sys.argv[1:3]:
    for module in modules.split(","):
        __import__(module)
    drawings.append(draw())
changed = sorted(k for k, v in matplotlib.rcParams.items() if settings.get(k) != v)
print(json.dumps({"drawings": drawings, "changed": changed}))
"""


def draw_in_fresh_process(first: str, second: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", DRAW, first, second, json.dumps(CHART)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def svg_of(uri: str) -> bytes:
    return base64.b64decode(uri.split(",", 1)[1])


def test_a_chart_is_the_same_whichever_reader_was_imported_first() -> None:
    dashboard_first = draw_in_fresh_process(DASHBOARD, REPORTS)
    reports_first = draw_in_fresh_process(REPORTS, DASHBOARD)
    drawings = dashboard_first["drawings"] + reports_first["drawings"]
    assert len(drawings) == 4
    # Same report SVG, report PNG and dashboard SVG, before and after the other's import.
    assert all(d == drawings[0] for d in drawings)
    # The style is the charts' own, not an import's: text stays text in the report's SVG.
    assert svg_of(drawings[0][0]).count(b"<text") >= 8
    assert dashboard_first["changed"] == reports_first["changed"] == []


def test_drawing_a_chart_leaves_matplotlib_settings_unchanged() -> None:
    before = dict(matplotlib.rcParams)
    table = Table(["Visits"], [Row("ИВС", [3]), Row("never", [1], key="never")])
    table_svg(table)
    for chart in ("bar", "columns", "line"):
        table.chart = chart
        table_svg(table)
    report_chart_svg_uri(CHART)
    report_chart_png({**CHART, "horizontal": False})
    assert dict(matplotlib.rcParams) == before
    assert matplotlib.rcParams["svg.fonttype"] != "none"  # only inside a drawing


def test_a_report_chart_keeps_its_words_as_text() -> None:
    svg = svg_of(report_chart_svg_uri(CHART))
    for word in ("Посещения по типу учреждения", "Қылмыстық-атқару жүйесі"):
        assert word.encode() in svg
