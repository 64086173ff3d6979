"""Benchmark: a 1 GiB resumable upload (tus) on loopback to the production application server.

Builds a throw-away Kuzet (an SQLite file in a temporary directory, or, when DATABASE_URL
names a PostgreSQL database ``<name>``, a database ``<name>_bench_uploads`` on the same
server, created here and dropped afterwards), migrates it, loads the demo data, and starts
gunicorn exactly as production does (``gunicorn -c deploy/gunicorn.conf.py``: sync workers,
debug off, its own secret files; ``--workers`` sets ``KUZET_WEB_WORKERS``, by default the
configuration's own count). A demo team leader signs a device in.

Then, ``--runs`` times: a file of ``--size`` MiB (a WebM signature, then random bytes) is
copied with ``shutil.copyfile`` and the copy's SHA-256 computed (the baseline: the least a
server must do to store a file it verifies), and uploaded with tuspy (an independent tus
client) in ``--chunk`` MiB chunks, each with a SHA-1 ``Upload-Checksum`` (``--no-checksum``:
none), to ``/api/v1/uploads/`` — the time includes the completion (the whole file's SHA-256
checked, the file made evidence). The CPU time (user + system, ``/proc/<pid>/stat``) of
every gunicorn process (master and workers) during the upload gives CPU seconds per GiB;
the client's own CPU time and the load average before and after are printed (the machine
may be shared). The workers' memory is read from ``/proc/<pid>/status`` (VmRSS sampled
every 20 ms). Prints Markdown.

    .venv/bin/python bench/uploads.py
    .venv/bin/python bench/uploads.py --size 64 --runs 1          # a quick look

Profiling (for measurements only; py-spy is not a dependency of the project: install it
into the virtual environment with ``.venv/bin/pip install py-spy``): ``--profile FILE``
records every gunicorn process with ``py-spy record --subprocesses --format raw`` during
the first upload (collapsed stacks, one line per stack with its sample count; add up the
lines of a function with grep). py-spy must be allowed to read other processes' memory
(it is when it runs as the same user and ``/proc/sys/kernel/yama/ptrace_scope`` is 0, or
as root).
"""

import argparse
import hashlib
import io
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gunicorn_server import Server, make_secrets, production_env

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
# A user of its own on a demo visit (demo accounts are refused with debug off), and its
# device token: "<visit> <token>" (as bench/sync_throughput.py does).
SETUP = r"""
from kuzet.field.services import device_token_issue
from kuzet.people.models import GroupMembership, RegionalGroup, User
from kuzet.visits.models import TeamMember, Visit
from kuzet.visits.services.access import visit_access

demo = User.objects.get(username="demo-leader")
visit = next(v for v in Visit.objects.order_by("pk") if visit_access(demo, v).record)
user = User.objects.create_user("bench-uploads", password=None, role="group_leader")
TeamMember.objects.create(visit=visit, user=user, role=TeamMember.Role.MEMBER)
for group in RegionalGroup.objects.filter(memberships__user=demo, region=visit.region):
    GroupMembership.objects.create(group=group, user=user)
assert visit_access(user, visit).record
print("DEVICE", visit.pk, device_token_issue(user=user, name="Bench tablet")[1])
"""


def status_kib(pid: int, field: str) -> int:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:  # a worker replaced meanwhile
        return 0
    for line in lines:
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (Linux /proc), in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


class Sampler(threading.Thread):
    """Every 20 ms: the largest VmRSS of a worker, and the CPU time of every process of the
    server seen (so that a worker that ends during the upload is counted with what it used)."""

    def __init__(self, server: "Server") -> None:
        super().__init__(daemon=True)
        self.server, self.peak, self.running = server, 0, True
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.sample(initial=True)

    def sample(self, initial: bool = False) -> None:
        for pid in [self.server.process.pid, *self.server.workers()]:
            used = cpu_seconds([pid])
            if initial:
                self.first[pid] = used
            self.first.setdefault(pid, 0.0)
            if used or pid not in self.last:
                self.last[pid] = used
            if pid != self.server.process.pid:
                self.peak = max(self.peak, status_kib(pid, "VmRSS"))

    def run(self) -> None:
        while self.running:
            self.sample()
            time.sleep(0.02)

    def stop(self) -> float:
        self.running = False
        self.join()
        self.sample()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def sha256_of(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def call(method: str, url: str, body: Any = None, token: str = "") -> Any:
    request = urllib.request.Request(  # noqa: S310  (the bench's own server)
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
        method=method,
    )
    try:
        with urllib.request.urlopen(request) as reply:  # noqa: S310
            return json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"{method} {url}: {exc.code} {exc.read()[:300]!r}") from None


def make_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as out:
        block = b"\x1a\x45\xdf\xa3" + os.urandom(8 * MIB - 4)
        written = 0
        while written < size:
            piece = block[: size - written]
            out.write(piece)
            digest.update(piece)
            written += len(piece)
            block = os.urandom(8 * MIB)
    return digest.hexdigest()


def postgres(url: str, sql: str) -> None:
    import psycopg

    maintenance = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024, help="file size in MiB")
    parser.add_argument("--chunk", type=int, default=32, help="tus chunk size in MiB")
    parser.add_argument("--runs", type=int, default=3, help="uploads (each with its baseline)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: config's)")
    parser.add_argument("--no-checksum", action="store_true", help="no Upload-Checksum")
    parser.add_argument("--profile", type=Path, help="py-spy raw profile of the first upload")
    args = parser.parse_args()
    from tusclient.client import TusClient

    work = Path(tempfile.mkdtemp(prefix="kuzet-bench-uploads-"))
    make_secrets(work)
    env = production_env(work)
    database = os.environ.get("DATABASE_URL", "")
    pg_name = ""
    if database.startswith(("postgres://", "postgresql://")):
        pg_name = (urlsplit(database).path.lstrip("/") or "kuzet") + "_bench_uploads"
        postgres(database, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        postgres(database, f'CREATE DATABASE "{pg_name}"')
        env["DATABASE_URL"] = urlsplit(database)._replace(path=f"/{pg_name}").geturl()
    server: Server | None = None
    try:
        for command in (["migrate", "--no-input"], ["load_demo_data"]):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT, env={**env, "KUZET_DEBUG": "1", "KUZET_DEMO": "1"}, check=True,
                capture_output=True,
            )  # fmt: skip
        server = Server(env, args.workers, work / "gunicorn.log")
        base = server.base
        out = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", SETUP],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        visit, token = next(
            line.split()[1:] for line in out.splitlines() if line.startswith("DEVICE")
        )
        client = TusClient(f"{base}/api/v1/uploads/", headers={"Authorization": f"Bearer {token}"})

        def upload(stream: Any, digest: str, chunk: int) -> str:
            media_uuid = str(uuid.uuid4())
            client.uploader(
                file_stream=stream,
                chunk_size=chunk,
                upload_checksum=not args.no_checksum,
                metadata={
                    "media_uuid": media_uuid,
                    "visit": str(visit),
                    "kind": "video",
                    "sha256": digest,
                    "filename": "bench.webm",
                },
            ).upload()
            return media_uuid

        # Warm-up: every worker has loaded the modules the upload path uses.
        for _ in range(len(server.workers()) + 1):
            small = b"\x1a\x45\xdf\xa3" + os.urandom(3 * MIB)
            upload(io.BytesIO(small), hashlib.sha256(small).hexdigest(), MIB)

        size = args.size * MIB
        source = work / "source.webm"
        digest = make_file(source, size)
        rows = []
        for run in range(args.runs):
            load_before = os.getloadavg()[0]
            started = time.perf_counter()
            shutil.copyfile(source, work / "copy.webm")
            copy_only = time.perf_counter() - started
            assert sha256_of(work / "copy.webm") == digest
            copy_seconds = time.perf_counter() - started
            (work / "copy.webm").unlink()

            rss_before = max(status_kib(pid, "VmRSS") for pid in server.workers())
            profiler = None
            if args.profile and run == 0:
                profiler = subprocess.Popen(
                    [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(server.process.pid), "--subprocesses",
                     "--format", "raw", "--rate", "200", "-o", str(args.profile)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
                time.sleep(2)
            sampler = Sampler(server)
            sampler.start()
            client_before = time.process_time()
            started = time.perf_counter()
            with source.open("rb") as stream:
                media_uuid = upload(stream, digest, args.chunk * MIB)
            upload_seconds = time.perf_counter() - started
            client_cpu = time.process_time() - client_before
            server_cpu = sampler.stop()
            load_after = os.getloadavg()[0]
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)
                profiler.wait(timeout=60)
            receipt = call("GET", f"{base}/api/v1/field/receipts/{media_uuid}", token=token)
            assert receipt["hash"] == digest, "the server's SHA-256 differs"
            rows.append((load_before, load_after, copy_only, copy_seconds, upload_seconds,
                         server_cpu, client_cpu, sampler.peak - rss_before))  # fmt: skip
            print(f"run {run + 1}: ratio {copy_seconds / upload_seconds:.2f}, server CPU "
                  f"{server_cpu / (size / 1024 / MIB):.2f} s/GiB, load {load_before:.1f} → "
                  f"{load_after:.1f}", file=sys.stderr)  # fmt: skip
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
        if pg_name:
            postgres(database, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')

    gib = size / 1024 / MIB
    checksum = "no Upload-Checksum" if args.no_checksum else "SHA-1 Upload-Checksum"
    print(f"## Upload of {args.size} MiB on loopback (tus, {args.chunk} MiB chunks, {checksum})\n")
    print(f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"database: {'PostgreSQL' if pg_name else 'SQLite'}, server: gunicorn "
          f"(deploy/gunicorn.conf.py, {args.workers or 'default'} workers, debug off)\n")  # fmt: skip
    print("| run | load (1 min) before → after | baseline: copy + SHA-256 | tus upload, creation to evidence | ratio | server CPU (all gunicorn processes) | client CPU (tuspy) | worker RSS growth |")  # fmt: skip
    print("|---:|---|---|---|---:|---|---:|---:|")
    for n, (before, after, copy_only, copy_s, upload_s, server_cpu, client_cpu, rss) in enumerate(rows, 1):  # fmt: skip
        print(f"| {n} | {before:.1f} → {after:.1f} | {copy_s:.2f} s ({copy_only:.2f} + {copy_s - copy_only:.2f}) "
              f"| {upload_s:.2f} s, {size / MIB / upload_s:.0f} MiB/s | {copy_s / upload_s:.2f} "
              f"| {server_cpu:.2f} s, {server_cpu / gib:.2f} s per GiB | {client_cpu:.2f} s | {rss / 1024:.1f} MiB |")  # fmt: skip


if __name__ == "__main__":
    main()
