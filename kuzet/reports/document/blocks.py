"""The blocks of a report document, and the ``Builder`` that numbers its headings.

Blocks: ``heading`` (level, text, id), ``para`` (text, lang, note, style; ``runs`` when
it has emphasis), ``facts`` (rows of label and value), ``list`` (items; ``runs``, one list
per item, when they have emphasis), ``table`` (headers, rows, numeric columns),
``chart`` (a bar chart's labels and series), ``toc`` and ``pagebreak``.
"""

from typing import Any

Block = dict[str, Any]


class Builder:
    """A document's blocks in reading order, added one by one."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.numbers: list[int] = []

    def heading(self, text: str, level: int = 1) -> None:
        # Chapters are numbered (1., 1.1.) so that the table of contents reads like a report's.
        if level <= 2:
            del self.numbers[level:]
            while len(self.numbers) < level:
                self.numbers.append(0)
            self.numbers[level - 1] += 1
            text = ".".join(str(n) for n in self.numbers) + ". " + text
        self.blocks.append(
            {"type": "heading", "level": level, "text": text, "id": f"h{len(self.blocks)}"}
        )

    def para(self, text: Any, style: str = "") -> None:
        if isinstance(text, dict):
            self.blocks.append({"type": "para", **text, "style": style})
        elif text:
            self.blocks.append(
                {"type": "para", "text": str(text), "lang": "", "note": "", "style": style}
            )

    def rich_para(self, runs: list[list[str]]) -> None:
        """A paragraph of runs: [text, "b" | "i" | ""] (the editors' **strong**, *emphasis*)."""
        runs = [r for r in runs if r[0]]
        if runs:
            text = "".join(t for t, _kind in runs)
            self.blocks.append(
                {"type": "para", "text": text, "lang": "", "note": "", "style": "", "runs": runs}
            )

    def rich_items(self, items: list[list[list[str]]]) -> None:
        items = [[r for r in runs if r[0]] for runs in items]
        items = [runs for runs in items if runs]
        if items:
            self.blocks.append(
                {
                    "type": "list",
                    "items": ["".join(t for t, _kind in runs) for runs in items],
                    "runs": items,
                }
            )

    def facts(self, rows: list[tuple[str, Any]]) -> None:
        shown = [[label, str(value)] for label, value in rows if value not in (None, "", [])]
        if shown:
            self.blocks.append({"type": "facts", "rows": shown})

    def items(self, items: list[Any]) -> None:
        if items:
            self.blocks.append({"type": "list", "items": [cell(i) for i in items]})

    def table(
        self, headers: list[str], rows: list[list[Any]], numeric: tuple[int, ...] = ()
    ) -> None:
        self.blocks.append(
            {
                "type": "table",
                "headers": headers,
                "rows": [[cell(c) for c in row] for row in rows],
                "numeric": list(numeric),
            }
        )

    def chart(
        self,
        title: str,
        labels: list[str],
        series: list[tuple[str, list[int]]],
        horizontal: bool = False,
    ) -> None:
        if labels and any(any(values) for _name, values in series):
            self.blocks.append(
                {
                    "type": "chart",
                    "title": title,
                    "labels": labels,
                    "series": [{"name": n, "values": v} for n, v in series],
                    "horizontal": horizontal,
                }
            )

    def none(self, text: str) -> None:
        """The muted line said where a section has nothing to show."""
        self.para(text, style="muted")


def cell(value: Any) -> str:
    """A table cell or list item as text; foreign narrative keeps its mark."""
    if isinstance(value, dict):
        return f"{value['text']} {value['note']}".strip()
    if value is None:
        return "—"
    return str(value)
