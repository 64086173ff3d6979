"""A tile-free schematic map: the 17 regions and 3 cities as a grid placed roughly as they
lie on the map of Kazakhstan, coloured by coverage. Nothing is fetched; no boundary data.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from kuzet.core.small import small
from kuzet.dashboard.indicators import Table

# KATO code → (column, row), west to east and north to south.
GRID: dict[str, tuple[int, int]] = {
    "270000000": (0, 0),  # West Kazakhstan
    "390000000": (2, 0),  # Kostanay
    "590000000": (3, 0),  # North Kazakhstan
    "550000000": (4, 0),  # Pavlodar
    "630000000": (5, 0),  # East Kazakhstan
    "230000000": (0, 1),  # Atyrau
    "150000000": (1, 1),  # Aktobe
    "620000000": (2, 1),  # Ulytau
    "110000000": (3, 1),  # Akmola
    "710000000": (4, 1),  # Astana (city)
    "100000000": (5, 1),  # Abai
    "470000000": (0, 2),  # Mangystau
    "430000000": (1, 2),  # Kyzylorda
    "350000000": (3, 2),  # Karaganda
    "330000000": (4, 2),  # Jetisu
    "610000000": (2, 3),  # Turkestan
    "310000000": (3, 3),  # Jambyl
    "190000000": (4, 3),  # Almaty region
    "790000000": (2, 4),  # Shymkent (city)
    "750000000": (4, 4),  # Almaty (city)
}
CELL_W, CELL_H, GAP = 150, 78, 8
# Coverage (share visited in 12 months) → colour, from "nobody went" to "all visited".
SCALE = [(0, "#b4413c"), (25, "#e69138"), (50, "#f1c232"), (75, "#93c47d"), (90, "#38761d")]
NO_DATA = "#d5dbe0"
SUFFIXES = (" Region", " область", " облысы", " region")


@dataclass
class Cell:
    x: int
    y: int
    label: list[str]
    figure: str
    fill: str
    ink: str
    href: str
    title: str
    in_scope: bool


def colour(percent: int | None) -> str:
    if percent is None:
        return NO_DATA
    chosen = SCALE[0][1]
    for low, fill in SCALE:
        if percent >= low:
            chosen = fill
    return chosen


def cells(coverage: Table, links: dict[str, str]) -> list[Cell]:
    """One cell per region in the coverage table (rows keyed by KATO); others are greyed."""
    rows = {row.key: row for row in coverage.rows}
    result = []
    for kato, (col, line) in GRID.items():
        row = rows.get(kato)
        if row is None:
            continue
        total, recent, _never, percent = row.values
        name = row.label
        for suffix in SUFFIXES:
            name = name.removesuffix(suffix)
        label = _lines(name)
        fill = colour(int(percent) if percent is not None else None)
        figure = f"{percent}%" if percent is not None else _("no institutions")
        recent_shown = str(recent)
        if 1 in row.withheld:  # a small count that may include others' visits: no percentage
            recent_shown = small(1)
            figure = _("%(n)s visited") % {"n": recent_shown}
        elif row.withheld:  # "never visited" withheld: the percentage would give it back
            figure = _("%(n)s visited") % {"n": recent_shown}
        result.append(
            Cell(
                x=col * (CELL_W + GAP),
                y=line * (CELL_H + GAP),
                label=[part for part in label if part],
                figure=figure,
                fill=fill,
                ink="#ffffff" if fill in ("#b4413c", "#38761d") else "#1d2327",
                href=links.get(kato, ""),
                title=_("%(name)s: %(recent)s of %(total)s visited in 12 months")
                % {"name": row.label, "recent": recent_shown, "total": total},
                in_scope=True,
            )
        )
    return result


def _lines(name: str, width: int = 16) -> list[str]:
    """The name on at most two lines of ``width`` characters, long words split at a hyphen."""
    words: list[str] = []
    for word in name.split():
        if len(word) > width and "-" in word:
            head, tail = word.split("-", 1)
            words += [head + "-", tail]
        else:
            words.append(word)
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= width and not lines[-1].endswith("-"):
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    return [line if len(line) <= width + 2 else line[: width + 1] + "…" for line in lines]


def size() -> tuple[int, int]:
    cols = max(c for c, _r in GRID.values()) + 1
    rows = max(r for _c, r in GRID.values()) + 1
    return cols * (CELL_W + GAP) - GAP, rows * (CELL_H + GAP) - GAP


def legend() -> list[tuple[str, str]]:
    bounds = [low for low, _f in SCALE] + [100]
    items = [(f"{lo}–{hi}%", fill) for (lo, fill), hi in zip(SCALE, bounds[1:], strict=True)]
    return [*items, (_("no institutions"), NO_DATA)]
