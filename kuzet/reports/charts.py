"""Bar charts of the annual report with matplotlib (Agg): SVG for pages and PDF, PNG for DOCX.

One ``Figure`` per chart, never pyplot's global state, so that charts can be drawn in
several threads or a worker at once. matplotlib's own DejaVu Sans covers Kazakh letters.
"""

import base64
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

COLOURS = ["#1f5f7a", "#e0a526", "#4f9a5b", "#b5473a", "#7a5fa0"]
matplotlib.rcParams["svg.hashsalt"] = "kuzet"  # identical charts give identical files


def _figure(chart: dict[str, Any]) -> Figure:
    labels: list[str] = chart["labels"]
    series: list[dict[str, Any]] = chart["series"]
    horizontal = chart.get("horizontal", False)
    height = max(2.6, 0.32 * len(labels) * max(1, len(series)) + 1.2) if horizontal else 3.4
    figure = Figure(figsize=(7.0, min(height, 9.5)), dpi=100)
    axes = figure.add_subplot()
    count = len(series)
    # Bars keep a readable width however few labels there are.
    width = (0.8 if len(labels) > 2 else 0.5) / count
    positions = list(range(len(labels)))
    for index, item in enumerate(series):
        offsets = [p - width * count / 2 + width * (index + 0.5) for p in positions]
        colour = COLOURS[index % len(COLOURS)]
        if horizontal:
            bars = axes.barh(
                offsets, item["values"], height=width, label=item["name"], color=colour
            )
        else:
            bars = axes.bar(offsets, item["values"], width=width, label=item["name"], color=colour)
        axes.bar_label(bars, fontsize=7, padding=2)
    (axes.xaxis if horizontal else axes.yaxis).set_major_locator(MaxNLocator(integer=True))
    if horizontal:
        axes.set_yticks(positions, labels, fontsize=8)
        axes.invert_yaxis()
        axes.margins(x=0.12)
    else:
        axes.set_xticks(positions, labels, fontsize=8, rotation=20, ha="right")
        axes.margins(y=0.15)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(chart["title"], fontsize=10, loc="left")
    if count > 1:
        axes.legend(fontsize=8, frameon=False)
    figure.tight_layout()
    return figure


def chart_svg_uri(chart: dict[str, Any]) -> str:
    buffer = io.BytesIO()
    _figure(chart).savefig(buffer, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def chart_png(chart: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    _figure(chart).savefig(buffer, format="png", dpi=150)
    return buffer.getvalue()
