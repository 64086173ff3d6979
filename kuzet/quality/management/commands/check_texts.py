"""``manage.py check_texts``: judge findings and recommendations in batch (issue 15).

Reads JSON Lines on standard input, one object a line::

    {"id": "…", "kind": "finding" | "recommendation", "lang": "ru" | "kk", "text": "…",
     "earlier": ["…", …]}

``earlier`` (optional) are texts of other institutions' reports to compare with (for
*copied*). Writes one line per input line, in the same order::

    {"id": "…", "weak": true | false, "reasons": [{"code": "…", "message": "…"}]}

and exits 0. Every line is read and checked before anything is written: a line that is
not valid JSON or lacks a field is named (line number, what is wrong) on standard error,
the command exits 2 and writes nothing. Lines of blanks only are skipped. Broken rule files
are named on standard error (exit 1). Messages are in the line's language. The lists in
force are the secretariat's edited ones where there is a database; where none is set up (or
the SQLite file does not exist) the command runs on the shipped files and creates nothing.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from kuzet.quality import ruledata
from kuzet.quality.texts import check_text

KINDS = ("finding", "recommendation")
LANGS = ("ru", "kk")


class BadLine(Exception):
    pass


def _item(line: bytes, number: int) -> dict[str, Any]:
    try:
        item = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadLine(f"line {number}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise BadLine(f"line {number}: not valid JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(item, dict):
        raise BadLine(f"line {number}: a JSON object is expected, not {type(item).__name__}")
    missing = [f for f in ("id", "kind", "lang", "text") if f not in item]
    if missing:
        raise BadLine(f"line {number}: missing field(s): {', '.join(missing)}")
    if isinstance(item["id"], bool) or not isinstance(item["id"], str | int):
        raise BadLine(f'line {number}: "id" must be a string or a whole number')
    if item["kind"] not in KINDS:
        raise BadLine(f'line {number}: "kind" must be "finding" or "recommendation"')
    if item["lang"] not in LANGS:
        raise BadLine(f'line {number}: "lang" must be "ru" or "kk"')
    if not isinstance(item["text"], str):
        raise BadLine(f'line {number}: "text" must be a string')
    earlier = item.get("earlier", [])
    if earlier is None:
        earlier = []
    if not isinstance(earlier, list) or not all(isinstance(e, str) for e in earlier):
        raise BadLine(f'line {number}: "earlier" must be a list of strings')
    return {**item, "earlier": earlier}


class Command(BaseCommand):
    help = "Judge findings and recommendations given as JSON Lines on standard input."
    # No check may need a database: the command must run without one.
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        problems = ruledata.check_rule_files()
        if problems:
            raise CommandError("the rule files are broken: " + "; ".join(str(p) for p in problems))
        items = []
        for number, line in enumerate(sys.stdin.buffer.read().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append(_item(line, number))
            except BadLine as exc:
                self.stderr.write(str(exc))
                sys.exit(2)
        out = []
        for item in items:
            with translation.override(item["lang"]):
                reasons = check_text(
                    item["kind"], item["text"], lang=item["lang"], earlier=item["earlier"]
                )
            out.append(
                json.dumps(
                    {
                        "id": item["id"],
                        "weak": bool(reasons),
                        "reasons": [{"code": r.code, "message": r.message} for r in reasons],
                    },
                    ensure_ascii=False,
                )
            )
        if out:
            # UTF-8 whatever the locale of the shell says.
            sys.stdout.buffer.write(("\n".join(out) + "\n").encode("utf-8"))
            sys.stdout.flush()
