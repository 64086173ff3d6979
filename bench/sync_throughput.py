"""Benchmark: sealed checklist records per second into the production configuration.

    .venv/bin/python bench/sync_throughput.py                       # 1 and 4 gunicorn workers
    .venv/bin/python bench/sync_throughput.py --workers 1 2 4 --records 600
    .venv/bin/python bench/sync_throughput.py --envelope 1     # sealed as apps before v2 seal

Builds a throw-away PostgreSQL database ``<name>_bench_sync`` on the server DATABASE_URL
names (default ``postgresql://postgres@127.0.0.1:5432/kuzet``; dropped afterwards),
migrates it, loads the demo data, publishes a checklist of 250 questions (10 sections of 20
compliance items, 3 texts and 2 numbers, every one required) and gives 16 bench users a
device token each, each on a visit of their own. Then, for each worker count, starts
gunicorn exactly as production does (``deploy/gunicorn.conf.py``, debug off, persistent
database connections, ``KUZET_WEB_WORKERS=N``) and sends, with 1, 4 and 16 concurrent
devices (each its own thread, each device one after the other), sealed
response records holding 250 answers, in envelope v2 (ECDH-ES P-256, as the field app seals
now; ``--envelope 1`` for v1, RSA-OAEP, as apps of before v2 seal). Every record is sealed before the clock starts (as a
tablet does before it syncs); every answer must be 201. Prints records/s and the p95
latency of a submission and the server's CPU time per record (gunicorn workers and
PostgreSQL backends, from /proc: a figure the machine's load does not inflate) next to
ODK Central's published figure (41 submissions/s for
250-question forms on a 2 GB server), with the machine's ``uptime`` load before and after
each run: other engineers share the CPU, so read the figures with the load.

nginx is left out (it buffers the request body and hands it over on loopback: it adds a
copy, not a serialisation point); the background worker too (the dashboard's catch-up runs
between page loads, not in the submission).
"""

import argparse
import base64
import http.client
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gunicorn_server import Server, make_secrets, production_env

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ODK_RECORDS_PER_SECOND = 41
DEVICES = (1, 4, 16)
SECTIONS, ITEMS = 10, 20  # 10 × (20 compliance + 3 text + 2 integer) = 250 questions

SETUP = r"""
import io, os
from openpyxl import Workbook
from kuzet.field.services import device_token_issue
from kuzet.instruments.models import InstrumentVersion
from kuzet.people.models import GroupMembership, RegionalGroup
from kuzet.instruments.services import instrument_version_import, instrument_version_publish
from kuzet.people.models import User
from kuzet.visits.models import TeamMember, Visit
from kuzet.visits.services.access import visit_access

sections, items = int(os.environ["BENCH_SECTIONS"]), int(os.environ["BENCH_ITEMS"])
book = Workbook()
survey = book.active
survey.title = "survey"
survey.append(["type", "name", "label::Русский (ru)", "label::Қазақша (kk)", "required"])
for s in range(sections):
    survey.append(["begin group", f"s{s}", f"Раздел {s}", f"Бөлім {s}"])
    for i in range(items):
        survey.append(["select_one compliance", f"s{s}_c{i}", f"Пункт {s}.{i}", f"Тармақ {s}.{i}", "yes"])
    for i in range(3):
        survey.append(["text", f"s{s}_t{i}", f"Замечание {s}.{i}", f"Ескерту {s}.{i}", "yes"])
    for i in range(2):
        survey.append(["integer", f"s{s}_n{i}", f"Число {s}.{i}", f"Сан {s}.{i}", "yes"])
    survey.append(["end group"])
choices = book.create_sheet("choices")
choices.append(["list_name", "name", "label::Русский (ru)", "label::Қазақша (kk)"])
for name, ru, kk in (("compliant", "Соответствует", "Сәйкес"), ("partly", "Частично", "Ішінара"),
                     ("non_compliant", "Не соответствует", "Сәйкес емес"),
                     ("not_checked", "Не проверялось", "Тексерілмеді")):
    choices.append(["compliance", name, ru, kk])
settings = book.create_sheet("settings")
settings.append(["form_title", "form_id", "version", "default_language", "kuzet_title_kk", "kuzet_kind"])
settings.append(["Чек-лист 250", "bench-250", "2026.1", "Русский (ru)", "Тексеру 250", "checklist"])
buffer = io.BytesIO()
book.save(buffer)
secretariat = User.objects.filter(role="secretariat").order_by("pk").first()
version = InstrumentVersion.objects.filter(instrument__code="bench-250", status="published").first()
if version is None:
    outcome = instrument_version_import(data=buffer.getvalue(), actor=secretariat)
    assert outcome.version is not None, outcome.errors
    version = instrument_version_publish(version=outcome.version, actor=secretariat)
print("VERSION", version.pk)
demo = User.objects.get(username="demo-leader")
visits = [v for v in Visit.objects.order_by("pk") if visit_access(demo, v).record]
for n in range(int(os.environ["BENCH_DEVICES"])):
    visit = visits[n % len(visits)]
    user = User.objects.filter(username=f"bench-{n}").first()
    if user is None:
        user = User.objects.create_user(f"bench-{n}", password=None, role="group_leader")
        TeamMember.objects.create(visit=visit, user=user, role=TeamMember.Role.MEMBER)
        for group in RegionalGroup.objects.filter(memberships__user=demo, region=visit.region):
            GroupMembership.objects.create(group=group, user=user)
    assert visit_access(user, visit).record
    _device, token = device_token_issue(user=user, name=f"Bench tablet {n}")
    print("DEVICE", visit.pk, token)
"""


def seal_bytes(plaintext: bytes, *, spki: str, kid: str) -> dict[str, Any]:
    """As the field app seals (kuzet/field/tests/device.py): RSA-OAEP-256 + AES-256-GCM."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    public_key = serialization.load_der_public_key(base64.b64decode(spki))
    assert isinstance(public_key, rsa.RSAPublicKey)
    data_key, iv = AESGCM.generate_key(bit_length=256), os.urandom(12)
    wrapped = public_key.encrypt(
        data_key,
        padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
    )
    b64 = lambda data: base64.b64encode(data).decode("ascii")  # noqa: E731
    return {"v": 1, "alg": "RSA-OAEP-256+A256GCM", "kid": kid, "key": b64(wrapped), "iv": b64(iv),
            "ct": b64(AESGCM(data_key).encrypt(iv, plaintext, None))}  # fmt: skip


def seal_bytes_v2(plaintext: bytes, *, spki: str, kid: str) -> dict[str, Any]:
    """As the field app seals when the package offers ``server_key_v2`` (docs/field-api.md,
    "Sealing"): an ephemeral P-256 key, ECDH, HKDF-SHA256, AES-256-GCM."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    public_key = serialization.load_der_public_key(base64.b64decode(spki))
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    point = ephemeral.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    data_key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"kuzet-envelope-v2", info=point + kid.encode()
    ).derive(ephemeral.exchange(ec.ECDH(), public_key))
    iv = os.urandom(12)
    b64 = lambda data: base64.b64encode(data).decode("ascii")  # noqa: E731
    return {"v": 2, "alg": "ECDH-ES+HKDF-SHA256+A256GCM", "kid": kid, "key": b64(point),
            "iv": b64(iv), "ct": b64(AESGCM(data_key).encrypt(iv, plaintext, None))}  # fmt: skip


SEALS = {1: seal_bytes, 2: seal_bytes_v2}
PACKAGE_KEYS = {1: "server_key", 2: "server_key_v2"}


def record(kind: str, visit: int, data: dict[str, Any]) -> dict[str, Any]:
    return {"uuid": str(uuid.uuid4()), "type": kind, "visit": visit,
            "created_at": "2026-12-01T10:00:00+05:00", "finalized_at": "2026-12-01T10:30:00+05:00",
            "device": "Bench tablet", "data": data}  # fmt: skip


def postgres(url: str, sql: str) -> None:
    import psycopg

    maintenance = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (Linux /proc), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


class CpuMeter:
    """CPU time (user + system) of the gunicorn workers and the database's backends while a
    run lasts: sampled every 0.2 s, so that a backend that ends (a connection closed) or
    starts during the run is counted with what it used. ``app`` and ``database`` split it."""

    def __init__(self, workers: list[int], backends: Callable[[], list[int]]) -> None:
        self.workers, self.backends = workers, backends
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stopping = threading.Event()
        self.sample(initial=True)
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def sample(self, initial: bool = False) -> None:
        for pid in [*self.workers, *self.backends()]:
            used = cpu_seconds([pid])
            if initial:
                self.first[pid] = used
            self.first.setdefault(pid, 0.0)
            if used or pid not in self.last:
                self.last[pid] = used

    def loop(self) -> None:
        while not self.stopping.wait(0.2):
            self.sample()

    def stop(self) -> tuple[float, float]:
        self.stopping.set()
        self.thread.join()
        self.sample()
        used = {pid: self.last[pid] - self.first[pid] for pid in self.last}
        app = sum(v for pid, v in used.items() if pid in self.workers)
        return app, sum(used.values()) - app


def database_backends(admin_url: str, name: str) -> list[int]:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [name]
        ).fetchall()
    return [int(pid) for (pid,) in rows]


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def answers() -> dict[str, Any]:
    out: dict[str, Any] = {}
    values = ("compliant", "partly", "not_checked", "compliant")
    for s in range(SECTIONS):
        for i in range(ITEMS):
            out[f"s{s}_c{i}"] = values[(s + i) % len(values)]
        for i in range(3):
            out[f"s{s}_t{i}"] = f"Замечание к разделу {s}, пункт {i}: всё записано в журнале."
        for i in range(2):
            out[f"s{s}_n{i}"] = s * 10 + i
    return out


def post(
    port: int, token: str, body: bytes, path: str = "/api/v1/field/submissions"
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request(
        "POST",
        path,
        body,
        {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    reply = connection.getresponse()
    data = reply.read()
    connection.close()
    return reply.status, data


def run(
    port: int, devices: list[tuple[str, list[bytes]]], batch: int = 0
) -> tuple[float, list[float]]:
    """Each device sends its bodies one after the other; all devices at once. ``batch``: each
    body holds that many records, sent to the batch endpoint; every record must be 201."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(devices) + 1)

    def device(token: str, bodies: list[bytes]) -> None:
        mine = []
        start.wait()
        for body in bodies:
            began = time.perf_counter()
            if batch:
                status, data = post(port, token, body, "/api/v1/field/submissions/batch")
                if status == 200:
                    bad = [r for r in json.loads(data)["results"] if r["status"] != 201]
                    status, data = (
                        (201, b"") if not bad else (bad[0]["status"], str(bad[0]).encode())
                    )
            else:
                status, data = post(port, token, body)
            mine.append(time.perf_counter() - began)
            if status != 201:
                failures.append(f"{status} {data[:300]!r}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=device, args=d) for d in devices]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise RuntimeError(f"{len(failures)} submissions failed, such as {failures[0]}")
    return elapsed, latencies


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--records", type=int, default=480, help="records per run")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--reuse", action="store_true", help="use the database kept before")
    parser.add_argument(
        "--batch", type=int, default=0,
        help="records per request, sent to the batch endpoint (0: one record per request)",
    )  # fmt: skip
    parser.add_argument("--devices", type=int, nargs="+", default=list(DEVICES))
    parser.add_argument(
        "--envelope", type=int, choices=[1, 2], default=2,
        help="seal with envelope v2 (ECDH-ES P-256, the app's now) or v1 (RSA-OAEP)",
    )  # fmt: skip
    args = parser.parse_args()

    database = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/kuzet")
    if not database.startswith(("postgres://", "postgresql://")):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server")
    name = (urlsplit(database).path.lstrip("/") or "kuzet") + "_bench_sync"
    url = urlsplit(database)._replace(path=f"/{name}").geturl()
    if not args.reuse:
        postgres(database, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        postgres(database, f'CREATE DATABASE "{name}"')
    # Kept with the database (--keep, --reuse): its encrypted fields need the same keys.
    work = Path(tempfile.gettempdir()) / f"kuzet-bench-sync-{name}"
    make_secrets(work, keep=args.reuse)
    env = production_env(work)
    env.update(DATABASE_URL=url, PYTHONUNBUFFERED="1")

    def manage(*command: str, **extra: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env={**env, **extra},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {command[0]}: {result.stderr[-3000:]}")
        return result.stdout

    try:
        if not args.reuse:
            manage("migrate", "--no-input", "-v0")
            manage("load_demo_data", KUZET_DEBUG="1", KUZET_DEMO="1")
        out = manage(
            "shell", "-c", SETUP, BENCH_SECTIONS=str(SECTIONS), BENCH_ITEMS=str(ITEMS),
            BENCH_DEVICES=str(max(DEVICES)),
        )  # fmt: skip
        version = int(
            next(line.split()[1] for line in out.splitlines() if line.startswith("VERSION"))
        )
        tokens = [line.split()[1:] for line in out.splitlines() if line.startswith("DEVICE")]
        server = Server(env, 1, work / "gunicorn-setup.log")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            connection.request(
                "GET", "/api/v1/field/package", headers={"Authorization": f"Bearer {tokens[0][1]}"}
            )
            key = json.loads(connection.getresponse().read())[PACKAGE_KEYS[args.envelope]]
        finally:
            server.stop()
        filled = answers()

        def one(visit: int) -> dict[str, Any]:
            rec = record("response", visit, {"version": version, "answers": filled})
            seal = SEALS[args.envelope]
            envelope = seal(json.dumps(rec).encode(), spki=key["spki"], kid=key["kid"])
            return {"uuid": rec["uuid"], "envelope": envelope}

        def sealed(visit: int) -> bytes:
            return json.dumps(one(visit)).encode()

        def bodies(visit: int, records: int) -> list[bytes]:
            if not args.batch:
                return [sealed(visit) for _ in range(records)]
            return [
                json.dumps({"submissions": [one(visit) for _ in range(args.batch)]}).encode()
                for _ in range(max(1, records // args.batch))
            ]

        rows = []
        sample = sealed(int(tokens[0][0]))
        for workers in args.workers:
            server = Server(env, workers, work / f"gunicorn-{workers}.log")
            try:
                # Warm-up: every worker has imported, connected and answered once.
                for _ in range(workers * 3):
                    status, data = post(server.port, tokens[0][1], sealed(int(tokens[0][0])))
                    assert status == 201, data[:500]
                for count in args.devices:
                    per = max(1, args.records // count)
                    if args.batch:
                        per = max(args.batch, per - per % args.batch)
                    devices = [(tokens[n][1], bodies(int(tokens[n][0]), per)) for n in range(count)]
                    before = load()
                    admin = urlsplit(database)._replace(path="/postgres").geturl()
                    meter = CpuMeter(
                        server.workers(),
                        lambda: database_backends(admin, name),  # noqa: B023
                    )
                    elapsed, latencies = run(server.port, devices, args.batch)
                    app, db = meter.stop()
                    n = len(latencies) * max(1, args.batch)
                    rows.append((workers, count, n, elapsed, latencies, before, load(), app, db))
                    print(
                        f"workers {workers}, devices {count}: {n / elapsed:.0f} records/s, "
                        f"p95 {p95(latencies) * 1000:.0f} ms, CPU {(app + db) / n * 1000:.1f} "
                        f"ms/record ({app / n * 1000:.1f} app + {db / n * 1000:.1f} database)",
                        file=sys.stderr,
                    )
            finally:
                server.stop()
    finally:
        if not args.keep:
            postgres(database, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; one record = {len(sample) / 1024:.0f} KiB sealed "
          f"({SECTIONS * (ITEMS + 5)} answers), envelope v{args.envelope}.\n")  # fmt: skip
    per_request = (
        f"{args.batch} records per request (batch endpoint)"
        if args.batch
        else "one record per request"
    )
    print(f"Sent {per_request}; p95 is the latency of a request.\n")
    print("| gunicorn workers | devices at once | records | records/s | p95 | server CPU per record | ODK Central | load before → after |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    for workers, count, n, elapsed, latencies, before, after, app, db in rows:
        print(
            f"| {workers} | {count} | {n} | {n / elapsed:.1f} | {p95(latencies) * 1000:.0f} ms "
            f"| {(app + db) / n * 1000:.1f} ms ({app / n * 1000:.1f} + {db / n * 1000:.1f}) | {ODK_RECORDS_PER_SECOND}/s | {before} → {after} |"
        )
    print(
        "\nServer CPU: user + system time of the gunicorn workers and the database backends "
        "during the run, per record (application + database); two cores free for the server take at most "
        "2 s / that time records per second."
    )


if __name__ == "__main__":
    main()
