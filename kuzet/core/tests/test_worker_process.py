"""The background worker as production runs it (``manage.py db_worker``, its own process
and database file): it writes its heartbeat and removes it when stopped with SIGTERM."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kuzet.core.tests.browser import ROOT

pytestmark = pytest.mark.slow  # a process of its own, on a database it migrates


def test_a_running_worker_process_beats_and_removes_its_heartbeat_on_sigterm(
    tmp_path: Path,
) -> None:
    """``manage.py db_worker`` as production runs it: its own process and database file."""
    database = tmp_path / "worker.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUZET_", "DATABASE_URL"))}
    env.update(KUZET_DEBUG="1", KUZET_VAR_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{database}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--worker-id", "w-proc"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def heartbeats() -> list[tuple[str, int]]:
        with sqlite3.connect(database) as connection:
            return connection.execute("SELECT worker_id, pid FROM core_workerheartbeat").fetchall()

    try:
        deadline = time.monotonic() + 60
        while not heartbeats():
            assert worker.poll() is None, "the worker stopped"
            assert time.monotonic() < deadline, "no heartbeat within 60 s"
            time.sleep(0.2)
        assert heartbeats() == [("w-proc", worker.pid)]
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
        assert heartbeats() == []
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
