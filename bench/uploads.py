"""Benchmark: a 1 GiB resumable upload (tus) on loopback to a real server process.

Builds a throw-away Kuzet (an SQLite file in a temporary directory, or, when DATABASE_URL
names a PostgreSQL database ``<name>``, a database ``<name>_bench_uploads`` on the same
server, created here and dropped afterwards), migrates it, loads the demo data, and starts
``manage.py runserver --noreload`` (Django's threaded WSGI server; gunicorn is not
installed) in the demo configuration. A demo team leader signs a device in.

Then, in one run: a file of ``--size`` MiB (a WebM signature, then random bytes) is
copied with ``shutil.copyfile`` and the copy's SHA-256 computed (the baseline: the least a
server must do to store a file it verifies), and uploaded with tuspy (an independent tus
client) in ``--chunk`` MiB chunks, each with a SHA-1 ``Upload-Checksum``, to
``/api/v1/uploads/`` — the time includes the completion (the server assembles the chunks
into the evidence file and checks the whole file's SHA-256). The server's CPU time (user +
system, ``/proc/<pid>/stat``) during the upload gives CPU seconds per GiB, and the load
average is printed (the machine may be shared). The server's memory is read
from ``/proc/<pid>/status`` (VmRSS sampled every 20 ms, and VmHWM) after a small warm-up
upload. Prints Markdown.

    .venv/bin/python bench/uploads.py
    .venv/bin/python bench/uploads.py --size 64          # a quick look
"""

import argparse
import hashlib
import io
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, status_kib(self.pid, "VmRSS"))
            time.sleep(0.02)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sha256_of(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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
    with urllib.request.urlopen(request) as reply:  # noqa: S310
        return json.loads(reply.read())


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
    args = parser.parse_args()
    from tusclient.client import TusClient

    work = Path(tempfile.mkdtemp(prefix="kuzet-bench-uploads-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUZET_", "DATABASE_URL"))}
    env.update(KUZET_DEBUG="1", KUZET_DEMO="1", KUZET_VAR_DIR=str(work / "var"))
    # The demo password, from the code that sets it (Django configured as the server is).
    os.environ.update(env, DJANGO_SETTINGS_MODULE="kuzet.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from kuzet.people.demo import DEMO_PASSWORD

    database = os.environ.get("DATABASE_URL", "")
    pg_name = ""
    if database.startswith(("postgres://", "postgresql://")):
        pg_name = (urlsplit(database).path.lstrip("/") or "kuzet") + "_bench_uploads"
        postgres(database, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        postgres(database, f'CREATE DATABASE "{pg_name}"')
        env["DATABASE_URL"] = urlsplit(database)._replace(path=f"/{pg_name}").geturl()
    server: subprocess.Popen[bytes] | None = None
    try:
        for command in (["migrate", "--no-input"], ["load_demo_data"]):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT, env=env, check=True, capture_output=True,
            )  # fmt: skip
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).close()  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        token = call(
            "POST",
            f"{base}/api/v1/auth/device-token",
            {"username": "demo-leader", "password": DEMO_PASSWORD, "device_name": "bench"},
        )["token"]
        package = call("GET", f"{base}/api/v1/field/package", token=token)
        visit = next(v["id"] for v in package["visits"] if v["can_record"])
        client = TusClient(f"{base}/api/v1/uploads/", headers={"Authorization": f"Bearer {token}"})

        def upload(stream: Any, digest: str, chunk: int) -> str:
            media_uuid = str(uuid.uuid4())
            client.uploader(
                file_stream=stream,
                chunk_size=chunk,
                upload_checksum=True,
                metadata={
                    "media_uuid": media_uuid,
                    "visit": str(visit),
                    "kind": "video",
                    "sha256": digest,
                    "filename": "bench.webm",
                },
            ).upload()
            return media_uuid

        # Warm-up: every module the upload path uses is loaded before the baseline.
        small = b"\x1a\x45\xdf\xa3" + os.urandom(3 * MIB)
        upload(io.BytesIO(small), hashlib.sha256(small).hexdigest(), MIB)

        size = args.size * MIB
        source = work / "source.webm"
        digest = make_file(source, size)
        started = time.perf_counter()
        shutil.copyfile(source, work / "copy.webm")
        copy_only_seconds = time.perf_counter() - started
        assert sha256_of(work / "copy.webm") == digest
        copy_seconds = time.perf_counter() - started
        (work / "copy.webm").unlink()

        # Sign-in (Argon2 holds ~100 MiB while it hashes) raised the high-water mark; reset
        # it (Linux: "5" to clear_refs) so that VmHWM is the peak of the upload alone.
        Path(f"/proc/{server.pid}/clear_refs").write_text("5")
        baseline = status_kib(server.pid, "VmRSS")
        hwm_before = status_kib(server.pid, "VmHWM")
        sampler = RssSampler(server.pid)
        sampler.start()
        load_before = os.getloadavg()[0]
        cpu_before = cpu_seconds(server.pid)
        client_before = time.process_time()
        started = time.perf_counter()
        with source.open("rb") as stream:
            media_uuid = upload(stream, digest, args.chunk * MIB)
        upload_seconds = time.perf_counter() - started
        server_cpu = cpu_seconds(server.pid) - cpu_before
        client_cpu = time.process_time() - client_before
        load_after = os.getloadavg()[0]
        sampler.running = False
        sampler.join()
        hwm_after = status_kib(server.pid, "VmHWM")
        receipt = call("GET", f"{base}/api/v1/field/receipts/{media_uuid}", token=token)
        assert receipt["hash"] == digest, "the server's SHA-256 differs"

        peak = max(sampler.peak, hwm_after)
        print(f"## Upload of {args.size} MiB on loopback (tus, {args.chunk} MiB chunks)\n")
        print(f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
              f"database: {'PostgreSQL' if pg_name else 'SQLite'}, server: runserver (WSGI)\n")  # fmt: skip
        print("| measure | value |")
        print("|---|---|")
        print(f"| load average (1 min) before / after the upload | {load_before:.1f} / {load_after:.1f} |")  # fmt: skip
        print(f"| baseline: plain copy (shutil.copyfile) + SHA-256 of the copy | {copy_seconds:.2f} s ({copy_only_seconds:.2f} s + {copy_seconds - copy_only_seconds:.2f} s), {size / MIB / copy_seconds:.0f} MiB/s |")  # fmt: skip
        print(f"| tus upload, creation to evidence | {upload_seconds:.2f} s, {size / MIB / upload_seconds:.0f} MiB/s |")  # fmt: skip
        print(f"| upload throughput / baseline throughput | {copy_seconds / upload_seconds:.2f} |")
        print(f"| server CPU (user + system) during the upload | {server_cpu:.2f} s, {server_cpu / (size / 1024 / MIB):.2f} s per GiB |")  # fmt: skip
        print(f"| client CPU (this process: tuspy reading, SHA-1 of each chunk, sending) | {client_cpu:.2f} s |")  # fmt: skip
        print(f"| server RSS before (VmRSS) | {baseline / 1024:.1f} MiB |")
        print(f"| server peak RSS during (max of sampled VmRSS and VmHWM) | {peak / 1024:.1f} MiB (VmHWM after reset: {hwm_before / 1024:.1f} MiB, after upload: {hwm_after / 1024:.1f} MiB) |")  # fmt: skip
        print(f"| peak RSS growth | {(peak - baseline) / 1024:.1f} MiB |")
        print(f"| server SHA-256 equals the file's | {receipt['hash'] == digest} |")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
        if pg_name:
            postgres(database, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
