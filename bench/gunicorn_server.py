"""gunicorn as production runs it (``deploy/gunicorn.conf.py``) and the environment Kuzet
runs with there, for the benches that measure through it (``sync_throughput.py``,
``uploads.py``; ``sync_profile.py`` takes the environment for its in-process runs)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_secrets(work: Path, *, keep: bool = False) -> None:
    """Write the secrets ``production_env`` names under ``work/secrets`` (the field key
    pairs are created by Kuzet on first use); ``keep``: those already there are kept (a
    database kept between runs needs the keys its encrypted fields were written with)."""
    from cryptography.fernet import Fernet

    secrets_dir = work / "secrets"
    secrets_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for secret, make in (("secret-key", lambda: os.urandom(48).hex()),
                         ("audit-key", lambda: os.urandom(48).hex()),
                         ("field-keys", lambda: Fernet.generate_key().decode())):  # fmt: skip
        if not keep or not (secrets_dir / secret).exists():
            (secrets_dir / secret).write_text(make())


def production_env(work: Path) -> dict[str, str]:
    """This process's environment without its Kuzet settings and DATABASE_URL, and with
    production's: debug off, secrets in files under ``work/secrets`` (``make_secrets``),
    persistent database connections, files under ``work``. The caller adds DATABASE_URL."""
    secrets_dir = work / "secrets"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUZET_", "DATABASE_URL"))}
    env.update(
        KUZET_DEBUG="0",
        KUZET_SECRET_KEY_FILE=str(secrets_dir / "secret-key"),
        KUZET_AUDIT_KEY_FILE=str(secrets_dir / "audit-key"),
        KUZET_FIELD_KEYS_FILE=str(secrets_dir / "field-keys"),
        KUZET_FIELD_PRIVATE_KEY_FILE=str(secrets_dir / "field-private-key.pem"),
        KUZET_FIELD_EC_PRIVATE_KEY_FILE=str(secrets_dir / "field-ec-private-key.pem"),
        KUZET_ALLOWED_HOSTS="127.0.0.1",
        KUZET_SSL_REDIRECT="0",
        KUZET_DB_CONN_MAX_AGE="60",
        KUZET_VAR_DIR=str(work / "var"),
        KUZET_AUDIT_ANCHOR_FILE=str(work / "anchors.jsonl"),
    )
    return env


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """gunicorn with the production configuration (deploy/gunicorn.conf.py)."""

    def __init__(self, env: dict[str, str], workers: int | None, log: Path) -> None:
        self.port = free_port()
        self.log = log.open("wb")
        extra = {"KUZET_WEB_WORKERS": str(workers)} if workers else {}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
            cwd=ROOT,
            env={**env, "KUZET_BIND": f"127.0.0.1:{self.port}", **extra},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped: see {log}")
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=5).close()  # noqa: S310
                break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer: see {log}")
            time.sleep(0.3)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()
