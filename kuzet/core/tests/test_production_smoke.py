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


def _nginx_conf(tmp: Path, *, http: int, https: int, app: int, cert: Path, key: Path) -> Path:
    """deploy/nginx/kuzet.conf with this machine's ports and certificate."""
    site = (ROOT / "deploy" / "nginx" / "kuzet.conf").read_text()
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app};",
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

    for name, value in {
        "secret-key": secrets.token_urlsafe(64),
        "audit-key": secrets.token_urlsafe(48),
        "field-keys": Fernet.generate_key().decode(),
    }.items():
        (secrets_dir / name).write_text(value + "\n")
    cert, key = _certificate(secrets_dir)
    app, http, https, redis_port = (_free_port() for _ in range(4))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUZET_", "DATABASE_URL"))}
    env.update(
        KUZET_DEBUG="0",
        KUZET_SECRET_KEY_FILE=str(secrets_dir / "secret-key"),
        KUZET_AUDIT_KEY_FILE=str(secrets_dir / "audit-key"),
        KUZET_FIELD_KEYS_FILE=str(secrets_dir / "field-keys"),
        KUZET_FIELD_PRIVATE_KEY_FILE=str(secrets_dir / "field-private-key.pem"),
        KUZET_ALLOWED_HOSTS="127.0.0.1",
        KUZET_CSRF_TRUSTED_ORIGINS=f"https://127.0.0.1:{https}",
        KUZET_BEHIND_TLS_PROXY="1",
        KUZET_TRUSTED_PROXIES="127.0.0.1",
        DATABASE_URL=DATABASE,
        KUZET_DB_CONN_MAX_AGE="60",
        KUZET_CACHE_URL=f"redis://127.0.0.1:{redis_port}/0",
        KUZET_VAR_DIR=str(tmp / "var"),
        KUZET_AUDIT_ANCHOR_FILE=str(tmp / "anchors" / "audit-anchors.jsonl"),
        KUZET_BIND=f"127.0.0.1:{app}",
        KUZET_WEB_WORKERS="2",
        PYTHONUNBUFFERED="1",
    )
    processes: list[subprocess.Popen[bytes]] = []

    def start(name: str, *command: str) -> None:
        with (logs / f"{name}.log").open("wb") as log:
            processes.append(
                subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
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
        # As kuzet-web.service and kuzet-worker.service do.
        start("gunicorn", sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py")
        start("worker", sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "1")
        conf = _nginx_conf(tmp, http=http, https=https, app=app, cert=cert, key=key)
        start("nginx", shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf))

        import requests

        base = f"https://127.0.0.1:{https}"
        deadline = time.monotonic() + 90
        while True:
            for process in processes:
                if process.poll() is not None:
                    raise RuntimeError(failure(f"{process.args!r} stopped"))
            try:
                if requests.get(f"{base}/healthz", verify=str(cert), timeout=5).status_code == 200:
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
