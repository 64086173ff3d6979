"""Gunicorn's settings for Kuzet in production: ``gunicorn -c deploy/gunicorn.conf.py``.

Read from the same environment as the application (docs/deploy.md, docs/configuration.md).
Sync workers behind nginx, which buffers request bodies (tus chunks included) to disk before
handing them over at loopback speed: a slow tablet then never holds a worker.
"""

import multiprocessing
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

# The checkout this file belongs to, so that ``kuzet`` imports whatever the working directory.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kuzet.env import ConfigError, env_int, env_str  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuzet.settings")
chdir = str(ROOT)
wsgi_app = "kuzet.wsgi:application"

try:
    bind = env_str("KUZET_BIND", "127.0.0.1:8000").split(",")
    workers = env_int("KUZET_WEB_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9), minimum=1)
    # A request running longer than this is ended and its worker replaced. Reports are built
    # by the background worker, so only a large upload or export comes near it.
    timeout = env_int("KUZET_WEB_TIMEOUT", 120, minimum=10)
except ConfigError as exc:
    sys.stderr.write(f"Kuzet configuration error: {exc}\n")
    raise SystemExit(2) from None

worker_class = "sync"
graceful_timeout = 30
keepalive = 5
# Load the application once in the master: a configuration error stops the start with its
# one-line message instead of every worker failing to boot in turn.
preload_app = True
# A worker is replaced after this many requests (jitter spreads the restarts), which bounds
# what the PDF and chart libraries keep in memory.
max_requests = 1000
max_requests_jitter = 100
# The proxy logs requests; the application's own log goes to stderr (the journal).
accesslog = None
errorlog = "-"
# Only the local proxy may tell gunicorn the scheme; Django reads it with
# KUZET_BEHIND_TLS_PROXY and KUZET_TRUSTED_PROXIES.
forwarded_allow_ips = env_str("KUZET_TRUSTED_PROXIES", "127.0.0.1,::1")
# Heartbeat files of the workers in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108
proc_name = "kuzet-web"
# No runtime control socket (gunicorn 25.1+): systemd or the container runtime manages the
# process, and a socket in the service user's home is one more thing to secure.
control_socket_disable = True

# Prometheus counters of every worker (kuzet.core.metrics): each worker writes its own files
# in this directory and /metrics, answered by any of them, adds them all up. Set before the
# application is loaded (prometheus_client reads it once, at import). Emptied at each start
# of this instance, so it must be this instance's alone: kuzet-web.service gives it
# /run/kuzet-web/metrics; without the variable a new directory is made for each start.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if _metrics_dir:
    Path(_metrics_dir).mkdir(parents=True, exist_ok=True)
    for _old in Path(_metrics_dir).glob("*.db"):
        _old.unlink()
else:
    _shm = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="kuzet-metrics-", dir=_shm)


def child_exit(server: Any, worker: Any) -> None:
    """A worker that ended (recycled after max_requests, or killed): its counters stay in
    the totals, its live gauges go."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
