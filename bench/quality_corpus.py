"""Recall on weak texts and false alarms on specific ones, on a labelled corpus.

    python bench/quality_corpus.py [corpus.jsonl …] [--show]

Each line: {"id", "kind", "lang", "text", "weak": true|false, "earlier"?: [...], "tags"?}.
Default: the corpus of kuzet/quality/tests/data/. --show lists the texts judged wrongly
with what the rules saw. Targets (issue 15): recall ≥ 95 %, false alarms ≤ 5 %.
"""

import json
import os
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuzet.settings")
os.environ.setdefault("KUZET_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")

import django  # noqa: E402

django.setup()

from kuzet.quality.texts import analyse, check_text  # noqa: E402

DEFAULT = ROOT / "kuzet/quality/tests/data/corpus.jsonl"


def main() -> None:
    show = "--show" in sys.argv
    paths = [Path(a) for a in sys.argv[1:] if not a.startswith("--")] or [DEFAULT]
    rows = [json.loads(line) for p in paths for line in p.read_text().splitlines() if line]
    groups: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    wrong = []
    for row in rows:
        reasons = check_text(
            row["kind"], row["text"], lang=row["lang"], earlier=row.get("earlier", [])
        )
        judged = bool(reasons)
        key = f"{row['kind']:<14} {row['lang']}"
        groups[key].append((row["weak"], judged))
        groups["all"].append((row["weak"], judged))
        if judged != row["weak"]:
            wrong.append((row, reasons))
    print(f"{'group':<18} {'weak':>5} {'recall':>7} {'specific':>9} {'false alarms':>13}")
    for key in sorted(groups, key=lambda k: (k == "all", k)):
        pairs = groups[key]
        weak = [j for w, j in pairs if w]
        specific = [j for w, j in pairs if not w]
        recall = sum(weak) / len(weak) if weak else float("nan")
        alarms = sum(specific) / len(specific) if specific else float("nan")
        print(f"{key:<18} {len(weak):>5} {recall:>7.1%} {len(specific):>9} {alarms:>13.1%}")
    if show:
        for row, reasons in wrong:
            a = analyse(row["kind"], row["text"])
            print(
                f"\n{row['id']} weak={row['weak']} → {[r.code for r in reasons]} "
                f"points={a.points} need={a.need} stock={a.stock}\n  {row['text'][:300]}"
            )


if __name__ == "__main__":
    main()
