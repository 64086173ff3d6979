"""gunicorn as production runs it (``deploy/gunicorn.conf.py``), for the benches that
measure through it (``sync_throughput.py``, ``uploads.py``)."""

import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
