"""Benchmark: memory and time of backing up and restoring a large evidence file.

A throw-away installation (an SQLite file, a storage under a temporary directory) holds one
file of ``--mib`` MiB of random bytes (a long video); `manage.py backup` and
`manage.py restore` run in their own processes, and their peak RSS (``/usr/bin/time``-like,
from ``resource.getrusage`` of the children) and wall time are printed. The file is streamed
in 64 KiB chunks, so the peak should not grow with its size.

    .venv/bin/python bench/backup.py --mib 512
"""

import argparse
import base64
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(env: dict[str, str], *args: str) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)
    elapsed = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=256)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        key = base / "backup.key"
        key.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode())
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KUZET_", "DATABASE_URL"))}
        env.update(KUZET_DEBUG="1", KUZET_BACKUP_KEY_FILE=str(key), KUZET_VAR_DIR=str(base / "a"))
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        video = base / "a" / "media" / "evidence" / "1" / "video"
        video.parent.mkdir(parents=True)
        with video.open("wb") as file:
            for _ in range(options.mib):
                file.write(os.urandom(1024 * 1024))
        seconds, peak = run(env, "backup", "--to", str(base / "backup"))
        print(f"backup of {options.mib} MiB: {seconds:.1f} s, peak RSS {peak:.0f} MiB")
        env["KUZET_VAR_DIR"] = str(base / "b")
        seconds, peak = run(env, "restore", "--from", str(base / "backup"))
        print(f"restore of {options.mib} MiB: {seconds:.1f} s, peak RSS so far {peak:.0f} MiB")


if __name__ == "__main__":
    main()
