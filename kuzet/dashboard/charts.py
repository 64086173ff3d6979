"""Charts of the indicator tables: matplotlib, drawn on the server as SVG (no GUI backend).

The figure is built with ``matplotlib.figure.Figure`` (no pyplot state, safe in threads);
text stays text (``svg.fonttype: none``) so charts are small and sharp on a tablet.
The page shows each chart as an ``<img>`` of its own URL: the Content-Security-Policy
forbids inline styles, and an SVG loaded as an image cannot run anything.
"""

import io
import textwrap

import matplotlib

matplotlib.use("Agg")

from matplotlib import rcParams
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from kuzet.dashboard.indicators import Table

rcParams.update(
    {
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
)
PALETTE = ["#0b5d7a", "#6aa84f", "#e69138", "#a61c3c", "#8e7cc3", "#5b6770"]
WIDTH = 7.0


def _wrap(label: str, width: int = 38) -> str:
    return "\n".join(textwrap.wrap(label, width, break_long_words=False)[:2]) or label


def table_svg(table: Table) -> bytes:
    """The table drawn as its chart kind; an empty table gives a small "no data" image."""
    if table.is_empty or not table.chart or not _numeric_columns(table):
        fig = Figure(figsize=(WIDTH, 1.0))
        fig.text(0.5, 0.5, "—", ha="center", va="center", fontsize=16, color="#5b6770")
    elif table.chart == "line":
        fig = _line(table)
    elif table.chart == "columns":
        fig = _columns(table)
    else:
        fig = _bars(table)
    out = io.BytesIO()
    fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    return out.getvalue()


def _numeric_columns(table: Table) -> list[int]:
    """Columns to draw: counts, not percentages (those are in the table), and not a column
    of zeros (an empty plan would only add noise)."""
    return [
        i
        for i, c in enumerate(table.columns)
        if not c.endswith("%") and any(r.values[i] for r in table.rows)
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
        ax.bar_label(bars, labels=[f"{v:g}" for v in values], padding=3, fontsize=10)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
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
    ax.bar_label(bars, labels=[f"{v:g}" for v in values], padding=3, fontsize=10)
    ax.set_xticks(range(len(values)))
    ax.set_xticklabels([_wrap(r.label, 7) for r in table.rows], fontsize=11)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.margins(y=0.15)
    return fig


def _line(table: Table) -> Figure:
    fig = Figure(figsize=(WIDTH, 3.6))
    ax = fig.add_subplot()
    x = list(range(len(table.rows)))
    for n, column in enumerate(table.columns):
        ax.plot(
            x,
            [float(r.values[n] or 0) for r in table.rows],
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
