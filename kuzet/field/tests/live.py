"""Helpers of the tests that talk to a server process of their own over a faulty network:
the production application server (gunicorn with ``deploy/gunicorn.conf.py``) that can be
killed and started again, a database of its own (an SQLite file, or a PostgreSQL database
next to the test database), and a TCP proxy that cuts connections at random points."""

import contextlib
import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from kuzet.core.tests.browser import ROOT, _free_port


def postgres_database(url: str, suffix: str) -> tuple[str, str]:
    """(the URL of a database for the server, the URL of the server's maintenance db).

    Its name carries the pytest-xdist worker's (gw0, gw1…), as the test databases do.
    """
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "kuzet"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    live = parts._replace(path=f"/{name}_{suffix}{'_' + worker if worker else ''}").geturl()
    return live, parts._replace(path="/postgres").geturl()


def recreate(maintenance: str, live: str, drop_only: bool = False) -> None:
    import psycopg

    name = urlsplit(live).path.lstrip("/")
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


@contextlib.contextmanager
def server_environment(work: Path, suffix: str) -> Iterator[dict[str, str]]:
    """The environment of a production-like server (debug off, secrets in files,
    persistent database connections) on a database of its own, migrated and with the
    demo data; the PostgreSQL database is dropped afterwards."""
    secrets = work / "secrets"
    secrets.mkdir(mode=0o700)
    from cryptography.fernet import Fernet

    (secrets / "secret-key").write_text(os.urandom(48).hex())
    (secrets / "audit-key").write_text(os.urandom(48).hex())
    (secrets / "field-keys").write_text(Fernet.generate_key().decode())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUZET_", "DATABASE_URL"))}
    env.update(
        KUZET_DEBUG="0",
        KUZET_SECRET_KEY_FILE=str(secrets / "secret-key"),
        KUZET_AUDIT_KEY_FILE=str(secrets / "audit-key"),
        KUZET_FIELD_KEYS_FILE=str(secrets / "field-keys"),
        KUZET_FIELD_PRIVATE_KEY_FILE=str(secrets / "field-private-key.pem"),
        KUZET_FIELD_EC_PRIVATE_KEY_FILE=str(secrets / "field-ec-private-key.pem"),
        KUZET_ALLOWED_HOSTS="127.0.0.1",
        KUZET_SSL_REDIRECT="0",
        KUZET_DB_CONN_MAX_AGE="60",
        KUZET_VAR_DIR=str(work / "var"),
        KUZET_AUDIT_ANCHOR_FILE=str(work / "anchors.jsonl"),
        PYTHONUNBUFFERED="1",
    )
    database = os.environ.get("DATABASE_URL", "")
    postgres = database.startswith(("postgres://", "postgresql://"))
    if postgres:
        live, maintenance = postgres_database(database, suffix)
        recreate(maintenance, live)
        env["DATABASE_URL"] = live
    else:
        # A file: the server is another process (an in-memory database is not shared).
        env["DATABASE_URL"] = f"sqlite:///{work / 'kuzet.sqlite3'}"
    try:
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "load_demo_data", "--no-year", KUZET_DEBUG="1", KUZET_DEMO="1")
        yield env
    finally:
        if postgres:
            recreate(maintenance, live, drop_only=True)


def manage(env: dict[str, str], *args: str, **extra: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**env, **extra},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {args[0]}: {result.stderr[-3000:]}")
    return result.stdout


class Gunicorn:
    """gunicorn as production runs it, in a session of its own: a worker or the whole
    server (master and workers at once, as a crash or an OOM kill would) can be killed,
    and the server started again on the same port."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 2) -> None:
        self.env, self.log_path, self.workers = env, log, workers
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
                cwd=ROOT,
                env={
                    **self.env,
                    "KUZET_BIND": f"127.0.0.1:{self.port}",
                    "KUZET_WEB_WORKERS": str(self.workers),
                },
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 120
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped: see {self.log_path}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            finally:
                connection.close()
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer: see {self.log_path}")
            time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        pid = self.process.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def kill_worker(self, rng: random.Random) -> bool:
        """SIGKILL one worker (the master starts another); False if none was running."""
        workers = self.worker_pids()
        if not workers:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.kill(rng.choice(workers), signal.SIGKILL)
        return True

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: no clean shutdown."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        # The workers die with the master's group; wait until none holds the port.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None


class CuttingProxy:
    """A TCP proxy in front of the server that cuts some connections: before the request
    reaches the server, in the middle of its body, after the server has answered (the
    answer never arrives), or in the middle of the answer. Seeded, and bounded in cuts."""

    FATES = ("pass", "before", "mid_request", "after", "mid_answer")

    def __init__(self, port: int, seed: int, max_cuts: int, rate: float = 0.5) -> None:
        self.target = ("127.0.0.1", port)
        self.random = random.Random(seed)
        self.max_cuts, self.rate = max_cuts, rate
        self.cuts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.running = False
        self.thread.join(timeout=5)
        self.listener.close()

    def _fate(self) -> str:
        with self.lock:
            fate = self.random.choice(self.FATES) if self.random.random() < self.rate else "pass"
            if fate != "pass" and sum(self.cuts.values()) >= self.max_cuts:
                fate = "pass"
            self.cuts[fate] += fate != "pass"
            return fate

    def _accept(self) -> None:
        while self.running:
            try:
                client, _address = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._relay, args=(client, self._fate()), daemon=True).start()

    def _relay(self, client: socket.socket, fate: str) -> None:
        upstream: socket.socket | None = None
        try:
            if fate == "before":
                client.recv(65536)
                return
            upstream = socket.create_connection(self.target, timeout=30)
            if fate == "mid_request":
                first = client.recv(65536)
                upstream.sendall(first[: len(first) // 2])
                return
            threading.Thread(target=self._forward, args=(client, upstream), daemon=True).start()
            answer = upstream.recv(65536)
            if fate == "after" or not answer:
                return
            if fate == "mid_answer":
                client.sendall(answer[: max(1, len(answer) // 2)])
                return
            while answer:
                client.sendall(answer)
                answer = upstream.recv(65536)
        except OSError:
            pass
        finally:
            # shutdown, not only close: it wakes the pump blocked reading the other side.
            for end in (client, upstream):
                if end is not None:
                    with contextlib.suppress(OSError):
                        end.shutdown(socket.SHUT_RDWR)
                    end.close()

    @staticmethod
    def _forward(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
