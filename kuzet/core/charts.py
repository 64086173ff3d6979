"""Every chart Kuzet draws (the dashboard's indicator tables, the reports' bar charts): one
style, and one way to build a figure and write it as SVG (pages, PDF) or PNG (DOCX).

matplotlib reads some settings only from its process-wide ``rcParams`` (SVG text as text,
the salt of its element ids). They are never changed for the process: each chart is built
and saved inside ``rc_context(STYLE)``, under a lock, so a chart is the same whichever module
a process imported first, and no thread's drawing sees another's settings. Figures are
``matplotlib.figure.Figure`` objects, never pyplot's global state.
"""

import base64
import io
import textwrap
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import matplotlib
from django.conf import settings
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import RcKeyType

from kuzet.core.small import small

# Text stays text (``svg.fonttype: none``): charts are small and sharp on a tablet, and their
# words can be found in a report's PDF. DejaVu Sans covers the Kazakh letters.
STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "kuzet",  # stable element ids: the same data gives the same bytes
    "font.family": ["DejaVu Sans", "sans-serif"],
    "font.size": 13,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#5b6770",
    "axes.labelcolor": "#1d2327",
    "xtick.color": "#1d2327",
    "ytick.color": "#1d2327",
}
# rc_context changes rcParams for the duration of a drawing; one drawing at a time keeps
# two threads from restoring each other's settings half-way through.
_DRAWING = threading.Lock()


def _written(build: Callable[[], Figure], **savefig: Any) -> bytes:
    """The figure ``build`` makes, saved with ``savefig`` options, all in the charts' style."""
    out = io.BytesIO()
    with _DRAWING, matplotlib.rc_context(STYLE):
        build().savefig(out, **savefig)
    return out.getvalue()


# The dashboard: an indicator table drawn as its chart kind.

PALETTE = ["#0b5d7a", "#6aa84f", "#e69138", "#a61c3c", "#8e7cc3", "#5b6770"]
WIDTH = 7.0


class TableRow(Protocol):
    @property
    def label(self) -> str: ...
    @property
    def values(self) -> Sequence[float | int | None]: ...
    @property
    def key(self) -> str: ...


class Table(Protocol):
    """What a chart reads of an indicator table (``kuzet.dashboard.indicators.Table``)."""

    @property
    def columns(self) -> Sequence[str]: ...
    @property
    def rows(self) -> Sequence[TableRow]: ...
    @property
    def chart(self) -> str: ...
    @property
    def is_empty(self) -> bool: ...


def _wrap(label: str, width: int = 38) -> str:
    return "\n".join(textwrap.wrap(label, width, break_long_words=False)[:2]) or label


def table_svg(table: Table) -> bytes:
    """The table drawn as its chart kind; an empty table gives a small "no data" image."""
    return _written(
        lambda: _table_figure(table), format="svg", bbox_inches="tight", metadata={"Date": None}
    )


def _table_figure(table: Table) -> Figure:
    if table.is_empty or not table.chart or not _numeric_columns(table):
        fig = Figure(figsize=(WIDTH, 1.0))
        fig.text(0.5, 0.5, "—", ha="center", va="center", fontsize=16, color="#5b6770")
        return fig
    if table.chart == "line":
        return _line(table)
    if table.chart == "columns":
        return _columns(table)
    return _bars(table)


def _labels(rows: Sequence[TableRow], col: int) -> list[str]:
    """Bar labels: the count, or "< N" where the dashboard withholds a small count (its bar
    is drawn at zero, revealing nothing)."""
    return [
        small(1) if col in getattr(r, "withheld", ()) else f"{float(r.values[col] or 0):g}"
        for r in rows
    ]


def _numeric_columns(table: Table) -> list[int]:
    """Columns to draw: counts, not percentages (those are in the table), and not a column
    of zeros (an empty plan would only add noise)."""
    return [
        i
        for i, c in enumerate(table.columns)
        if not c.endswith("%")
        and any(r.values[i] or i in getattr(r, "withheld", ()) for r in table.rows)
    ]


def _bars(table: Table) -> Figure:
    columns = _numeric_columns(table)
    rows = table.rows[:25]
    height = max(1.8, 0.3 * len(rows) * max(1, len(columns)) + 1.0)
    fig = Figure(figsize=(WIDTH, height))
    ax = fig.add_subplot()
    band = 0.8 / len(columns)
    for n, col in enumerate(columns):
        positions = [i + n * band for i in range(len(rows))]
        values = [float(r.values[col] or 0) for r in rows]
        bars = ax.barh(
            positions,
            values,
            height=band,
            color=PALETTE[n % len(PALETTE)],
            label=table.columns[col],
        )
        ax.bar_label(bars, labels=_labels(rows, col), padding=3, fontsize=10)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if not any(r.values[c] for r in rows for c in columns):  # only withheld small counts
        ax.set_xlim(0, settings.KUZET_SMALL_COUNT)
    ax.set_yticks([i + band * (len(columns) - 1) / 2 for i in range(len(rows))])
    ax.set_yticklabels([_wrap(r.label) for r in rows])
    ax.invert_yaxis()
    ax.margins(x=0.12)
    if len(table.columns) > 1:
        ax.legend(
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncols=len(columns),
            frameon=False,
            fontsize=11,
        )
    return fig


def _columns(table: Table) -> Figure:
    fig = Figure(figsize=(WIDTH, 3.6))
    ax = fig.add_subplot()
    values = [float(r.values[0] or 0) for r in table.rows]
    bars = ax.bar(range(len(values)), values, color=PALETTE[0])
    if table.rows and table.rows[-1].key == "never":
        bars[-1].set_color(PALETTE[3])
    ax.bar_label(bars, labels=_labels(table.rows, 0), padding=3, fontsize=10)
    ax.set_xticks(range(len(values)))
    ax.set_xticklabels([_wrap(r.label, 7) for r in table.rows], fontsize=11)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.margins(y=0.15)
    if not any(values):  # only withheld small counts
        ax.set_ylim(0, settings.KUZET_SMALL_COUNT)
    return fig


def _line(table: Table) -> Figure:
    fig = Figure(figsize=(WIDTH, 3.6))
    ax = fig.add_subplot()
    x = list(range(len(table.rows)))
    for n, column in enumerate(table.columns):
        ax.plot(
            x,
            # A withheld small count is a gap in the line, not a zero.
            [
                float("nan") if n in getattr(r, "withheld", ()) else float(r.values[n] or 0)
                for r in table.rows
            ],
            marker="o",
            markersize=3,
            color=PALETTE[n % len(PALETTE)],
            label=column,
        )
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step])
    ax.set_xticklabels([r.label for r in table.rows][::step], rotation=35, ha="right", fontsize=11)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", color="#d5dbe0", linewidth=0.6)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False, fontsize=11, ncols=2)
    return fig


# The reports: a chart block of a report document (``kuzet.reports.document``), a bar chart
# of ``labels`` with one bar per series, titled.

COLOURS = ["#1f5f7a", "#e0a526", "#4f9a5b", "#b5473a", "#7a5fa0"]


def report_chart_svg_uri(chart: dict[str, Any]) -> str:
    """The chart as an SVG data URI, for the page on screen and the PDF."""
    svg = _written(lambda: _report_figure(chart), format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def report_chart_png(chart: dict[str, Any]) -> bytes:
    """The chart as a PNG, for DOCX."""
    return _written(lambda: _report_figure(chart), format="png", dpi=150)


def _report_figure(chart: dict[str, Any]) -> Figure:
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
    # Few value ticks on the horizontal chart's narrow axis: at thousands (10,000 visits)
    # the default ones ran into each other (issue 16, seen on the bench's report).
    (axes.xaxis if horizontal else axes.yaxis).set_major_locator(
        MaxNLocator(integer=True, nbins=5 if horizontal else "auto")
    )
    axes.tick_params(axis="x" if horizontal else "y", labelsize=8)
    if horizontal:
        axes.set_yticks(positions, labels, fontsize=8)
        axes.invert_yaxis()
        axes.margins(x=0.12)
    else:
        axes.set_xticks(positions, labels, fontsize=8, rotation=20, ha="right")
        axes.margins(y=0.15)
    axes.spines[["top", "right"]].set_visible(False)
    # The title over the whole figure, wrapped: over the axes alone a long one ran past the
    # right edge beside long category labels and was cut off (issue 16).
    figure.suptitle("\n".join(textwrap.wrap(chart["title"], 80)), x=0.01, ha="left", fontsize=10)
    if count > 1:
        axes.legend(fontsize=8, frameon=False)
    figure.tight_layout()
    return figure
