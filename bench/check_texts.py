"""``manage.py check_texts`` over 10,000 lines (issue 15: under 30 s).

    python bench/check_texts.py [lines]

The lines cycle through the labelled corpus (kuzet/quality/tests/data/corpus.jsonl);
every other line carries five ``earlier`` texts to compare with (copy detection), as an
evaluation would send. Times the whole command, start-up included, as a subprocess.
"""

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    corpus = [
        json.loads(x)
        for x in (ROOT / "kuzet/quality/tests/data/corpus.jsonl").read_text().splitlines()
    ]
    texts = [row["text"] for row in corpus]
    rng = random.Random(15)
    lines = []
    for i in range(count):
        row = corpus[i % len(corpus)]
        item = {"id": f"{i}", "kind": row["kind"], "lang": row["lang"], "text": row["text"]}
        if i % 2:
            item["earlier"] = row.get("earlier", []) + rng.sample(texts, 5)
        lines.append(json.dumps(item, ensure_ascii=False))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tempfile.gettempdir()}/kuzet-bench-none/none.sqlite3",
        "KUZET_SECRET_KEY": os.environ.get(
            "KUZET_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789"
        ),
    }
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check_texts"],
        input="\n".join(lines).encode(), capture_output=True, env=env, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    answers = result.stdout.decode().splitlines()
    weak = sum(json.loads(a)["weak"] for a in answers)
    print(
        f"check_texts: {count:,} lines ({count // 2:,} with 5+ earlier texts) in {elapsed:.1f} s, "
        f"exit {result.returncode}, {len(answers):,} answers ({weak:,} weak)"
    )


if __name__ == "__main__":
    main()
