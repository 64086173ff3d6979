"""The production configuration, started as docs/deploy.md starts it, used over HTTPS.

nginx with ``deploy/nginx/kuzet.conf`` (TLS with a certificate made here) in front of
gunicorn with ``deploy/gunicorn.conf.py`` and 2 workers; PostgreSQL; the background
worker (``manage.py db_worker``); Redis as the shared cache; debug off, secrets from
files, nothing relaxed. Against it: ``/healthz``, a web sign-in with a password and a
TOTP code, a field sync (sealed records, a resend, a tus upload cut off and resumed), a
report that the worker generates. Only the ports and paths differ from a real server.

Runs when KUZET_PRODUCTION_SMOKE=1 (``.ci/run`` sets it and installs nginx and Redis);
then a missing part fails the test rather than skipping it. The database is
KUZET_SMOKE_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/kuzet_smoke),
dropped and created again.
"""

import datetime
import hashlib
import io
import ipaddress
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from kuzet.core.tests.browser import ROOT, _free_port

pytestmark = [
    pytest.mark.production,
    pytest.mark.skipif(
        os.environ.get("KUZET_PRODUCTION_SMOKE") != "1",
        reason="the production smoke test runs with KUZET_PRODUCTION_SMOKE=1 (.ci/run)",
    ),
]

PASSWORD = "smoke-" + secrets.token_urlsafe(12)
TOTP_KEY = secrets.token_hex(20)
DATABASE = os.environ.get(
    "KUZET_SMOKE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/kuzet_smoke"
)

# Run in the server's own environment by ``manage.py shell``: a secretariat member with a
# TOTP device (two factors are compulsory for that role), a group leader on the team of a
# visit the demo leader records on. Prints that visit's id.
SETUP = """
import os
from django_otp.plugins.otp_totp.models import TOTPDevice
from kuzet.people.models import GroupMembership, RegionalGroup, User
from kuzet.visits.models import TeamMember, Visit
from kuzet.visits.services.access import visit_access
password = os.environ["SMOKE_PASSWORD"]
secretariat = User.objects.create_user("smoke-secretariat", password=password, role="secretariat")
TOTPDevice.objects.create(user=secretariat, name="phone", confirmed=True, key=os.environ["SMOKE_TOTP_KEY"])
leader = User.objects.create_user("smoke-leader", password=password, role="group_leader")
demo = User.objects.get(username="demo-leader")
visit = next(v for v in Visit.objects.filter(team__user=demo).order_by("pk") if visit_access(demo, v).record)
TeamMember.objects.create(visit=visit, user=leader, role=TeamMember.Role.MEMBER)
for group in RegionalGroup.objects.filter(memberships__user=demo, region=visit.region):
    GroupMembership.objects.create(group=group, user=leader)
assert visit_access(leader, visit).record
print("VISIT", visit.pk)
"""


# What nginx tells an application instance; a test that addresses one instance directly
# says the same (gunicorn and Django trust it from 127.0.0.1 only).
BEHIND_PROXY = {"X-Forwarded-Proto": "https"}


def _tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return f"({path.name}: nothing written)"
    return f"--- {path.name} ---\n" + "\n".join(
        path.read_text(errors="replace").splitlines()[-lines:]
    )


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the CA the client trusts is itself)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _nginx_conf(
    tmp: Path, *, http: int, https: int, apps: list[int], cert: Path, key: Path
) -> Path:
    """deploy/nginx/kuzet.conf with this machine's ports and certificate, in front of the
    application instances on ``apps``."""
    site = (ROOT / "deploy" / "nginx" / "kuzet.conf").read_text()
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "server 127.0.0.1:8000;": " ".join(f"server 127.0.0.1:{app};" for app in apps),
        "access_log /var/log/nginx/kuzet-access.log kuzet;": f"access_log {tmp}/nginx-access.log kuzet;",
        "/etc/letsencrypt/live/kuzet.example.kz/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/kuzet.example.kz/privkey.pem": str(key),
    }
    for old, new in replacements.items():
        assert old in site, f"deploy/nginx/kuzet.conf no longer has {old!r}"
        site = site.replace(old, new)
    (tmp / "site.conf").write_text(site)
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / name).mkdir(mode=0o777, exist_ok=True)
        (tmp / name).chmod(0o777)  # nginx's workers run as nobody when started by root
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"""daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log info;
events {{}}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
"""
    )
    return conf


def _recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


@dataclass
class Production:
    base: str  # https://127.0.0.1:PORT
    http_base: str
    cert: Path
    redis_port: int
    visit: int
    logs: Path
    instances: dict[str, str]  # name: http://127.0.0.1:PORT of its gunicorn, behind nginx
    metrics_token: str
    media: Path


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Production]:
    tmp = tmp_path_factory.mktemp("production")
    tmp.chmod(0o755)
    logs = tmp / "logs"
    logs.mkdir()
    for program in ("nginx", "redis-server"):
        if shutil.which(program) is None and not Path(f"/usr/sbin/{program}").exists():
            pytest.fail(f"{program} is not installed (apt-get install nginx-light redis-server)")
    secrets_dir = tmp / "secrets"
    secrets_dir.mkdir(mode=0o700)
    from cryptography.fernet import Fernet

    metrics_token = secrets.token_urlsafe(24)
    for name, value in {
        "metrics-token": metrics_token,
        "secret-key": secrets.token_urlsafe(64),
        "audit-key": secrets.token_urlsafe(48),
        "field-keys": Fernet.generate_key().decode(),
    }.items():
        (secrets_dir / name).write_text(value + "\n")
    cert, key = _certificate(secrets_dir)
    app_a, app_b, http, https, redis_port = (_free_port() for _ in range(5))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUZET_", "DATABASE_URL"))}
    env.update(
        KUZET_DEBUG="0",
        KUZET_SECRET_KEY_FILE=str(secrets_dir / "secret-key"),
        KUZET_AUDIT_KEY_FILE=str(secrets_dir / "audit-key"),
        KUZET_FIELD_KEYS_FILE=str(secrets_dir / "field-keys"),
        KUZET_FIELD_PRIVATE_KEY_FILE=str(secrets_dir / "field-private-key.pem"),
        KUZET_FIELD_EC_PRIVATE_KEY_FILE=str(secrets_dir / "field-ec-private-key.pem"),
        KUZET_METRICS_TOKEN_FILE=str(secrets_dir / "metrics-token"),
        KUZET_ALLOWED_HOSTS="127.0.0.1",
        KUZET_CSRF_TRUSTED_ORIGINS=f"https://127.0.0.1:{https}",
        KUZET_BEHIND_TLS_PROXY="1",
        KUZET_TRUSTED_PROXIES="127.0.0.1",
        DATABASE_URL=DATABASE,
        KUZET_DB_CONN_MAX_AGE="60",
        KUZET_CACHE_URL=f"redis://127.0.0.1:{redis_port}/0",
        KUZET_VAR_DIR=str(tmp / "var"),
        KUZET_AUDIT_ANCHOR_FILE=str(tmp / "anchors" / "audit-anchors.jsonl"),
        KUZET_WEB_WORKERS="2",
        PYTHONUNBUFFERED="1",
    )
    processes: list[subprocess.Popen[bytes]] = []

    def start(name: str, *command: str, extra: dict[str, str] | None = None) -> None:
        with (logs / f"{name}.log").open("wb") as log:
            processes.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env={**env, **(extra or {})},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )

    def manage(*args: str, extra: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**env, **(extra or {})},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stderr[-3000:]}"
        return result.stdout

    def failure(what: str) -> str:
        return "\n".join([what, *(_tail(p) for p in sorted(logs.glob("*.log"))),
                          _tail(tmp / "nginx-error.log")])  # fmt: skip

    try:
        start(
            "redis",
            shutil.which("redis-server") or "/usr/bin/redis-server",
            "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        )  # fmt: skip
        _recreate_database(DATABASE)
        # As kuzet-migrate.service does, then the data the smoke test uses.
        manage("migrate", "--no-input", "-v0")
        manage("collectstatic", "--no-input", "-v0")
        manage("load_library")
        # Synthetic visits to work on; the demo users are loaded only under the demo flags
        # and cannot sign in to this server (debug off): the test makes its own users.
        manage("load_demo_data", extra={"KUZET_DEBUG": "1", "KUZET_DEMO": "1"})
        out = manage(
            "shell", "-c", SETUP, extra={"SMOKE_PASSWORD": PASSWORD, "SMOKE_TOTP_KEY": TOTP_KEY}
        )
        visit = int(re.search(r"VISIT (\d+)", out).group(1))  # type: ignore[union-attr]
        # As kuzet-web.service and kuzet-worker.service do; two application instances (as on
        # two servers: nothing in common but the database, Redis and the storage directory),
        # each with its own metrics directory, both behind nginx.
        instances = {"a": app_a, "b": app_b}
        for name, port in instances.items():
            start(
                f"gunicorn-{name}",
                sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
                extra={
                    "KUZET_BIND": f"127.0.0.1:{port}",
                    "KUZET_INSTANCE_NAME": f"instance-{name}",
                    "PROMETHEUS_MULTIPROC_DIR": str(tmp / f"metrics-{name}"),
                },
            )  # fmt: skip
        start("worker", sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "1")
        conf = _nginx_conf(
            tmp, http=http, https=https, apps=list(instances.values()), cert=cert, key=key
        )
        start("nginx", shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf))

        import requests

        base = f"https://127.0.0.1:{https}"
        deadline = time.monotonic() + 90
        while True:
            for process in processes:
                if process.poll() is not None:
                    raise RuntimeError(failure(f"{process.args!r} stopped"))
            try:
                if requests.get(f"{base}/healthz", verify=str(cert), timeout=5).status_code == 200 and all(
                    requests.get(f"http://127.0.0.1:{port}/healthz", headers=BEHIND_PROXY, timeout=5).status_code == 200
                    for port in instances.values()
                ):  # fmt: skip
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(failure("the production layout did not answer within 90 s"))
            time.sleep(0.5)
        yield Production(
            base=base,
            http_base=f"http://127.0.0.1:{http}",
            cert=cert,
            redis_port=redis_port,
            visit=visit,
            logs=logs,
            instances={name: f"http://127.0.0.1:{port}" for name, port in instances.items()},
            metrics_token=metrics_token,
            media=tmp / "var" / "media",
        )
        print(failure("logs of the production layout (shown when a test failed):"))
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def https(production: Production) -> Iterator[Any]:
    """requests, trusting the layout's certificate (tuspy uses requests too)."""
    import requests

    previous = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = str(production.cert)
    yield requests
    if previous is None:
        del os.environ["REQUESTS_CA_BUNDLE"]
    else:
        os.environ["REQUESTS_CA_BUNDLE"] = previous


def totp_now() -> str:
    from django_otp.oath import totp

    return f"{totp(bytes.fromhex(TOTP_KEY)):06d}"


def form_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


@pytest.fixture(scope="module")
def secretariat(production: Production, https: Any) -> Any:
    """A browser-like session of the secretariat member, signed in with both factors."""
    session = https.Session()
    session.headers["Accept-Language"] = "en"
    login = f"{production.base}/accounts/login/"
    page = session.get(login)
    assert page.status_code == 200
    reply = session.post(
        login,
        {"username": "smoke-secretariat", "password": PASSWORD, "csrfmiddlewaretoken": form_token(page.text)},
        headers={"Referer": login},
        allow_redirects=False,
    )  # fmt: skip
    assert reply.status_code == 302, reply.text[:500]
    # The password alone opens nothing: every page leads to the second factor.
    visits = session.get(f"{production.base}/visits/", allow_redirects=False)
    assert visits.status_code == 302 and "/accounts/two-factor/" in visits.headers["Location"]
    verify = f"{production.base}/accounts/two-factor/"
    page = session.get(verify)
    reply = session.post(
        verify,
        {"token": totp_now(), "csrfmiddlewaretoken": form_token(page.text)},
        headers={"Referer": verify},
        allow_redirects=False,
    )
    assert reply.status_code == 302, reply.text[:500]
    return session


def test_healthz_reports_database_cache_worker_and_queue(
    production: Production, https: Any
) -> None:
    reply = https.get(f"{production.base}/healthz")
    assert reply.status_code == 200
    body = reply.json()
    assert body["status"] == "ok", body
    assert body["database"] == "ok" and body["cache"] == "ok"
    assert body["worker"]["status"] == "ok" and body["worker"]["live"] == 1
    assert set(body["queue"]) == {"waiting", "running", "oldest_waiting_seconds"}
    # The cache is the shared Redis, not each process's memory.
    import redis

    assert redis.Redis(port=production.redis_port).keys("kuzet:*")
    # TLS only: plain HTTP is sent to HTTPS, and Django sends HSTS.
    plain = https.get(f"{production.http_base}/healthz", allow_redirects=False)
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
    assert "max-age=31536000" in reply.headers["Strict-Transport-Security"]


def test_sign_in_with_a_password_and_a_totp_code(production: Production, secretariat: Any) -> None:
    visits = secretariat.get(f"{production.base}/visits/", allow_redirects=False)
    assert visits.status_code == 200
    cookie = next(c for c in secretariat.cookies if c.name == "sessionid")
    assert cookie.secure and cookie.has_nonstandard_attr("HttpOnly")


def test_field_sync_records_and_a_resumed_tus_upload(production: Production, https: Any) -> None:
    from tusclient.client import TusClient

    from kuzet.field.tests.device import content_hash, record, seal_bytes

    api = f"{production.base}/api/v1"
    reply = https.post(
        f"{api}/auth/device-token",
        json={"username": "smoke-leader", "password": PASSWORD, "device_name": "Tablet S"},
    )
    assert reply.status_code == 201, reply.text
    headers = {"Authorization": f"Bearer {reply.json()['token']}", "Accept-Language": "en"}
    package = https.get(f"{api}/field/package", headers=headers).json()
    assert any(v["id"] == production.visit and v["can_record"] for v in package["visits"])
    key = package["server_key"]

    sent = []
    for code in ("S-01", "S-02"):
        rec = record(
            "interview",
            production.visit,
            {
                "kind": "individual",
                "conducted_at": "2026-12-01T11:00:00+05:00",
                "person_code": code,
                "identity": {
                    "full_name": "Смоук Тестович",
                    "birth_date": "1990-01-01",
                    "cell": "3",
                },
                "consent_interview": True,
                "consent_transmit": True,
                "notes": "Проверка развёртывания",
            },
        )
        envelope = seal_bytes(json.dumps(rec).encode(), spki=key["spki"], kid=key["kid"])
        reply = https.post(
            f"{api}/field/submissions", json={"uuid": rec["uuid"], "envelope": envelope}, headers=headers
        )  # fmt: skip
        assert reply.status_code == 201, reply.text
        assert reply.json()["hash"] == content_hash(envelope)
        sent.append((rec["uuid"], envelope))
    # A resend after a lost answer: the same receipt, nothing stored twice.
    again = https.post(
        f"{api}/field/submissions", json={"uuid": sent[0][0], "envelope": sent[0][1]}, headers=headers
    )  # fmt: skip
    assert again.status_code == 200 and again.json()["hash"] == content_hash(sent[0][1])
    for record_uuid, envelope in sent:
        receipt = https.get(f"{api}/field/receipts/{record_uuid}", headers=headers)
        assert receipt.status_code == 200 and receipt.json()["hash"] == content_hash(envelope)

    # A recording in 256 KiB chunks through nginx's buffering, cut off after 1 MiB (a new
    # uploader, as after the tablet restarts), resumed from the server's offset.
    data = b"\x1a\x45\xdf\xa3" + os.urandom(3 * 1024 * 1024 - 4)
    media_uuid = str(uuid.uuid4())
    metadata = {
        "filename": "appeal.webm",
        "filetype": "video/webm",
        "media_uuid": media_uuid,
        "visit": str(production.visit),
        "kind": "video",
        "sha256": hashlib.sha256(data).hexdigest(),
        "captured_at": "2026-12-01T10:30:00+05:00",
        "device": "Tablet S",
    }
    client = TusClient(f"{api}/uploads/", headers={"Authorization": headers["Authorization"]})
    first = client.uploader(
        file_stream=io.BytesIO(data), metadata=metadata, chunk_size=256 * 1024, upload_checksum=True
    )
    first.upload(stop_at=1024 * 1024)
    assert first.offset == 1024 * 1024
    resumed = client.uploader(
        file_stream=io.BytesIO(data), url=first.url, chunk_size=256 * 1024, upload_checksum=True
    )
    assert resumed.offset == 1024 * 1024  # asked with HEAD, answered by either worker
    resumed.upload()
    receipt = https.get(f"{api}/field/receipts/{media_uuid}", headers=headers)
    assert receipt.status_code == 200, receipt.text
    assert receipt.json()["hash"] == hashlib.sha256(data).hexdigest()


def test_a_report_is_generated_by_the_worker(production: Production, secretariat: Any) -> None:
    form_url = f"{production.base}/visits/{production.visit}/"
    page = secretariat.get(form_url)
    assert page.status_code == 200
    generate = f"{production.base}/reports/visit/{production.visit}/generate/"
    reply = secretariat.post(
        generate,
        {"lang": "ru", "edition": "external", "format": "pdf",
         "csrfmiddlewaretoken": secretariat.cookies.get("csrftoken")},
        headers={"Referer": form_url},
        allow_redirects=False,
    )  # fmt: skip
    assert reply.status_code == 302, reply.text[:500]
    report_page = production.base + reply.headers["Location"]
    deadline = time.monotonic() + 180
    while True:
        page = secretariat.get(report_page)
        assert page.status_code == 200
        if "Refresh" not in page.headers:
            break
        assert time.monotonic() < deadline, "the worker did not finish the report in 180 s"
        time.sleep(1)
    link = re.search(r'href="(/reports/generated/[0-9a-f-]+/download/)"', page.text)
    assert link, "no download link: " + re.sub(r"\s+", " ", page.text)[-1500:]
    document = secretariat.get(production.base + link.group(1))
    assert document.status_code == 200 and document.content.startswith(b"%PDF")
    health = secretariat.get(f"{production.base}/healthz").json()
    assert health["status"] == "ok" and health["queue"]["waiting"] == 0


# --- Two application instances: one upload, one record, across both ------------------------


def _sql(query: str, *params: Any) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(DATABASE) as connection:
        return connection.execute(query, params).fetchall()  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def tablet(production: Production, https: Any) -> dict[str, str]:
    """A device token of the group leader: the headers of a tablet."""
    reply = https.post(
        f"{production.base}/api/v1/auth/device-token",
        json={"username": "smoke-leader", "password": PASSWORD, "device_name": "Tablet T"},
    )
    assert reply.status_code == 201, reply.text
    return {"Authorization": f"Bearer {reply.json()['token']}", "Accept-Language": "en"}


def _interview(visit: int, code: str) -> dict[str, Any]:
    from kuzet.field.tests.device import record

    return record(
        "interview",
        visit,
        {
            "kind": "individual",
            "conducted_at": "2026-12-01T12:00:00+05:00",
            "person_code": code,
            "identity": {"full_name": "Екі Серверов", "birth_date": "1991-02-02", "cell": "5"},
            "consent_interview": True,
            "consent_transmit": True,
            "notes": "Две копии приложения",
        },
    )


def test_a_records_retries_land_on_the_other_instance_and_are_stored_once(
    production: Production, https: Any, tablet: dict[str, str]
) -> None:
    import concurrent.futures
    import threading

    from kuzet.field.tests.device import content_hash, seal_bytes

    a, b = production.instances["a"], production.instances["b"]
    headers = {**tablet, **BEHIND_PROXY}
    key = https.get(f"{a}/api/v1/field/package", headers=headers).json()["server_key"]

    def sealed(code: str) -> tuple[str, dict[str, Any]]:
        rec = _interview(production.visit, code)
        return rec["uuid"], seal_bytes(json.dumps(rec).encode(), spki=key["spki"], kid=key["kid"])

    def send(instance: str, record_uuid: str, envelope: dict[str, Any]) -> Any:
        return https.post(
            f"{instance}/api/v1/field/submissions",
            json={"uuid": record_uuid, "envelope": envelope},
            headers=headers,
        )

    # Sent to A; the answer was lost, so the tablet sends it again and reaches B.
    first_uuid, first = sealed("T-01")
    stored = send(a, first_uuid, first)
    assert stored.status_code == 201, stored.text
    again = send(b, first_uuid, first)
    assert again.status_code == 200 and again.json() == stored.json()
    receipt = https.get(f"{b}/api/v1/field/receipts/{first_uuid}", headers=headers)
    assert receipt.json()["hash"] == content_hash(first)

    # A retry that overtakes the first attempt: both instances at the same moment.
    second_uuid, second = sealed("T-02")
    start = threading.Barrier(2)

    def racing(instance: str) -> Any:
        start.wait()
        return send(instance, second_uuid, second)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(racing, (a, b)))
    assert sorted(r.status_code for r in replies) == [200, 201], [r.text for r in replies]
    assert replies[0].json() == replies[1].json()
    assert replies[0].json()["hash"] == content_hash(second)

    # Nothing doubled: one submission and one interview of each coded person.
    assert _sql(
        "SELECT count(*) FROM field_submission WHERE uuid IN (%s, %s)",
        uuid.UUID(first_uuid),
        uuid.UUID(second_uuid),
    ) == [(2,)]
    interviews = _sql(
        "SELECT p.code, count(*) FROM visits_interview i JOIN visits_codedperson p"
        " ON p.id = i.person_id WHERE i.visit_id = %s AND p.code IN ('T-01', 'T-02')"
        " GROUP BY p.code ORDER BY p.code",
        production.visit,
    )
    assert interviews == [("T-01", 1), ("T-02", 1)]


def test_a_tus_uploads_chunks_alternate_between_the_instances(
    production: Production, https: Any, tablet: dict[str, str]
) -> None:
    import base64

    instances = production.instances
    headers = {**tablet, **BEHIND_PROXY, "Tus-Resumable": "1.0.0"}
    chunk = 256 * 1024
    data = b"\x1a\x45\xdf\xa3" + os.urandom(9 * chunk + 12_345 - 4)  # 10 chunks, the last short
    sha256 = hashlib.sha256(data).hexdigest()
    media_uuid = str(uuid.uuid4())
    metadata = {
        "filename": "two-instances.webm",
        "filetype": "video/webm",
        "media_uuid": media_uuid,
        "visit": str(production.visit),
        "kind": "video",
        "sha256": sha256,
        "captured_at": "2026-12-01T12:30:00+05:00",
        "device": "Tablet T",
    }
    created = https.post(
        f"{instances['a']}/api/v1/uploads/",
        headers={
            **headers,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": ",".join(
                f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in metadata.items()
            ),
        },
    )
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    assert location.startswith("/api/v1/uploads/")  # no instance's address in it
    upload_id = location.rstrip("/").rsplit("/", 1)[-1]

    def patch(name: str, offset: int, request_id: str) -> Any:
        piece = data[offset : offset + chunk]
        digest = base64.b64encode(hashlib.sha256(piece).digest()).decode()
        return https.patch(
            instances[name] + location,
            data=piece,
            headers={
                **headers,
                "Content-Type": "application/offset+octet-stream",
                "Upload-Offset": str(offset),
                "Upload-Checksum": f"sha256 {digest}",
                "X-Request-ID": request_id,
            },
        )

    served: dict[str, list[str]] = {"a": [], "b": []}
    offset, number = 0, 0
    while offset < len(data):
        name = "ab"[number % 2]  # chunk 0 to A, 1 to B, 2 to A …
        request_id = f"smoke-chunk-{number:02d}-{name}-{upload_id[:8]}"
        reply = patch(name, offset, request_id)
        assert reply.status_code == 204, (name, offset, reply.text)
        assert reply.headers["X-Request-ID"] == request_id
        served[name].append(request_id)
        new_offset = int(reply.headers["Upload-Offset"])
        assert new_offset == min(offset + chunk, len(data))
        if number == 3:
            # The answer to chunk 3 (from B) was lost: the tablet asks A where the upload
            # stands and sends chunk 3 again to A, which refuses it (nothing doubled).
            other = "a"
            state = https.head(instances[other] + location, headers=headers)
            assert int(state.headers["Upload-Offset"]) == new_offset
            repeat = patch(other, offset, f"smoke-repeat-{upload_id[:8]}")
            assert repeat.status_code == 409, repeat.text
            assert int(repeat.headers["Upload-Offset"]) == new_offset
        offset, number = new_offset, number + 1
    assert number == 10 and len(served["a"]) == len(served["b"]) == 5

    receipt = https.get(f"{instances['b']}/api/v1/field/receipts/{media_uuid}", headers=headers)
    assert receipt.status_code == 200, receipt.text
    assert receipt.json()["hash"] == sha256
    # One item of evidence, of the right size and hash, its file whole on the shared storage;
    # no chunk left behind.
    rows = _sql(
        "SELECT size, sha256, file FROM visits_mediaevidence WHERE uuid = %s", uuid.UUID(media_uuid)
    )
    assert len(rows) == 1 and rows[0][:2] == (len(data), sha256)
    stored = production.media / rows[0][2]
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha256
    leftovers = production.media / "uploads" / upload_id
    assert not leftovers.exists() or not any(leftovers.iterdir())
    assert _sql(
        "SELECT count(*) FROM field_uploadchunk WHERE upload_id = %s", uuid.UUID(upload_id)
    ) in (
        [(0,)],
        [(9,)],
    )

    # Each instance logged the chunks it took (JSON lines, with the tablet's request ids).
    for name, ids in served.items():
        lines = [
            json.loads(line)
            for line in (production.logs / f"gunicorn-{name}.log").read_text().splitlines()
            if line.startswith("{")
        ]
        mine = {line["request_id"]: line for line in lines if line["logger"] == "kuzet.request"}
        for request_id in ids:
            line = mine[request_id]
            assert line["instance"] == f"instance-{name}"
            assert (line["route"], line["method"], line["status"]) == (
                "uploads:upload",
                "PATCH",
                204,
            )


def test_sessions_and_sign_in_delays_are_shared_by_the_instances(
    production: Production, https: Any, secretariat: Any
) -> None:
    # The browser session made through nginx opens pages on either instance.
    cookie = secretariat.cookies.get("sessionid")
    for instance in production.instances.values():
        page = https.get(
            f"{instance}/visits/",
            headers={**BEHIND_PROXY, "Cookie": f"sessionid={cookie}"},
            allow_redirects=False,
        )
        assert page.status_code == 200
    # Wrong passwords for one account, alternating between the instances, count together:
    # past the free tries (5) the next attempt waits, on whichever instance it reaches.
    replies = []
    for number in range(6):
        instance = production.instances["ab"[number % 2]]
        replies.append(
            https.post(
                f"{instance}/api/v1/auth/device-token",
                json={"username": "smoke-secretariat", "password": f"wrong-{number}", "device_name": "T"},
                headers=BEHIND_PROXY,
            )
        )  # fmt: skip
    assert [r.status_code for r in replies[:5]] == [401] * 5, [r.text for r in replies]
    assert replies[5].status_code == 429 and int(replies[5].headers["Retry-After"]) >= 1


# --- Metrics and logs after the run ------------------------------------------------------------


def _samples(text: str, name: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_of_each_instance_count_the_run(production: Production, https: Any) -> None:
    scraped = {}
    for name, instance in production.instances.items():
        # As Prometheus scrapes: each instance at its own address, with the token.
        refused = https.get(f"{instance}/metrics")
        assert refused.status_code == 403
        reply = https.get(
            f"{instance}/metrics", headers={"Authorization": f"Bearer {production.metrics_token}"}
        )
        assert reply.status_code == 200, reply.text
        scraped[name] = reply.text
        (production.logs / f"metrics-{name}.txt").write_text(reply.text)  # for the record
        # Both gunicorn workers' counters are in it, whichever worker answered.
        assert _samples(reply.text, "kuzet_http_requests_total") > 0
        assert 'kuzet_queue_jobs{state="waiting"}' in reply.text
        assert "kuzet_workers_live 1.0" in reply.text
    both = "\n".join(scraped.values())
    # The smoke run's syncs and uploads: 2 + 2 records stored, 2 resends; 2 uploads whole.
    assert _samples(both, 'kuzet_field_submissions_total{result="stored"}') == 4
    assert _samples(both, 'kuzet_field_submissions_total{result="repeated"}') >= 2
    assert _samples(both, 'kuzet_uploads_total{event="completed"}') == 2
    assert _samples(both, "kuzet_upload_bytes_total") == 3 * 1024 * 1024 + 9 * 256 * 1024 + 12_345
    assert 'route="uploads:upload"' in both and 'route="people:login"' in both
    assert "/api/v1/uploads/" not in both  # labels are URL names, never paths
    # Not through the public proxy.
    assert https.get(f"{production.base}/metrics").status_code == 404


def test_logs_are_json_with_the_proxys_request_id(production: Production, https: Any) -> None:
    reply = https.get(f"{production.base}/healthz")
    request_id = reply.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id
    time.sleep(0.5)
    lines = []
    for name in production.instances:
        for line in (production.logs / f"gunicorn-{name}.log").read_text().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
    assert any(line["request_id"] == request_id and line["route"] == "healthz" for line in lines if "route" in line)  # fmt: skip
    assert f"rid={request_id}" in (production.logs.parent / "nginx-access.log").read_text()
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    for personal in (
        "Смоук Тестович",
        "Екі Серверов",
        "smoke-leader",
        "smoke-secretariat",
        PASSWORD,
    ):
        assert personal not in text
