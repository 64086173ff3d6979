"""Where the time of one sealed record goes, in the process (no HTTP server, no threads).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/kuzet \
        .venv/bin/python bench/sync_profile.py --records 100 [--batch 20] [--profile out.prof] \
        [--envelope 1]

Needs the database kept by ``bench/sync_throughput.py --keep`` (it reuses its secrets and
its bench users' device tokens: new tokens are issued here). Sends the records through the
whole Django stack (``django.test.Client``: middleware, authentication, the API, the
services), counts the SQL statements of each request, and prints the wall time per record
and, with ``--profile``, the functions that took the most time (cProfile, cumulative).
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100)
    parser.add_argument(
        "--batch", type=int, default=0, help="records per batch request (0: one by one)"
    )
    parser.add_argument("--profile", default="", help="write cProfile stats here and print the top")
    parser.add_argument(
        "--envelope", type=int, choices=[1, 2], default=2,
        help="seal with envelope v2 (ECDH-ES P-256, the app's now) or v1 (RSA-OAEP)",
    )  # fmt: skip
    args = parser.parse_args()
    database = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/kuzet")
    name = (urlsplit(database).path.lstrip("/") or "kuzet") + "_bench_sync"
    work = Path(tempfile.gettempdir()) / f"kuzet-bench-sync-{name}"
    from gunicorn_server import production_env

    env = production_env(work)  # the secrets kept by sync_throughput.py --keep
    env.update(
        KUZET_ALLOWED_HOSTS="testserver",
        DATABASE_URL=urlsplit(database)._replace(path=f"/{name}").geturl(),
        DJANGO_SETTINGS_MODULE="kuzet.settings",
    )
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from sync_throughput import SEALS, answers, record  # type: ignore[import-not-found]

    from kuzet.field import keys
    from kuzet.field.services import device_token_issue
    from kuzet.instruments.models import InstrumentVersion
    from kuzet.people.models import User
    from kuzet.visits.models import TeamMember

    version = InstrumentVersion.objects.get(instrument__code="bench-250", status="published")
    user = User.objects.get(username="bench-0")
    visit = TeamMember.objects.filter(user=user).first().visit_id  # type: ignore[union-attr]
    _device, token = device_token_issue(user=user, name="Profile tablet")
    server_key = keys.current_ec_key() if args.envelope == 2 else keys.current_key()
    seal = SEALS[args.envelope]
    filled = answers()

    def sealed() -> dict:
        rec = record("response", visit, {"version": version.pk, "answers": filled})
        envelope = seal(json.dumps(rec).encode(), spki=server_key.spki_base64, kid=server_key.kid)
        return {"uuid": rec["uuid"], "envelope": envelope}

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    if args.batch:
        bodies = [
            json.dumps({"submissions": [sealed() for _ in range(args.batch)]}).encode()
            for _ in range(max(1, args.records // args.batch))
        ]
        path, per_body = "/api/v1/field/submissions/batch", args.batch
    else:
        bodies = [json.dumps(sealed()).encode() for _ in range(args.records)]
        path, per_body = "/api/v1/field/submissions", 1
    # Warm up (imports, caches, the connection).
    for _ in range(3):
        warm = client.post(
            path,
            bodies[0]
            if False
            else json.dumps({"submissions": [sealed()]} if args.batch else sealed()),
            content_type="application/json",
        )
        assert warm.status_code in (200, 201), warm.content[:500]
    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU time, not waits
    counts = []
    spent: dict[str, list[float]] = {}

    def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            words = sql.split()
            kind = " ".join(words[:3] if words[0] == "INSERT" else words[:1])
            if words[0] == "SELECT":
                kind += " " + (
                    sql.split(" FROM ", 1)[1].split()[0] if " FROM " in sql else words[1]
                )
            spent.setdefault(kind, []).append(time.perf_counter() - began)

    connection.execute_wrappers.append(timed)
    connection.ensure_connection()
    backend = Path(f"/proc/{connection.connection.info.backend_pid}/stat")

    def backend_cpu() -> float:
        fields = backend.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    database_cpu = backend_cpu()
    began = time.perf_counter()
    cpu = time.process_time()
    for body in bodies:
        with CaptureQueriesContext(connection) as queries:
            if profiler:
                profiler.enable()
            reply = client.post(path, body, content_type="application/json")
            if profiler:
                profiler.disable()
        assert reply.status_code in (200, 201), reply.content[:500]
        if args.batch:
            assert all(r["status"] == 201 for r in reply.json()["results"]), reply.content[:500]
        counts.append(len(queries.captured_queries))
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    database_cpu = backend_cpu() - database_cpu
    connection.execute_wrappers.remove(timed)
    n = len(bodies) * per_body
    for kind, times in sorted(spent.items(), key=lambda kv: -sum(kv[1])):
        print(
            f"  {sum(times) / n * 1000:7.2f} ms/record  {len(times) / len(bodies):5.1f}× per request  {kind[:90]}"
        )
    print(
        f"{n} records (envelope v{args.envelope}) in {len(bodies)} requests: {elapsed / n * 1000:.2f} ms wall, "
        f"{cpu / n * 1000:.2f} ms CPU of this process and {database_cpu / n * 1000:.2f} ms of "
        "its database backend per record; SQL statements per request: "
        f"{min(counts)}–{max(counts)}"
    )
    if len(bodies) and counts:
        with CaptureQueriesContext(connection) as queries:
            client.post(
                path,
                json.dumps({"submissions": [sealed()]} if args.batch else sealed()),
                content_type="application/json",
            )
        for query in queries.captured_queries:
            print("  ", query["sql"][:160])
    if profiler:
        profiler.dump_stats(args.profile)
        stats = pstats.Stats(args.profile)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
