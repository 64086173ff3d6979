"""The tus endpoint against a real server process, with an independent client (tuspy):
uploads in chunks, resuming after the server is stopped and started again (the state is
in the database), a connection lost in the middle of a chunk, and uploads through a proxy
that cuts connections at random points (before the request reaches the server, in its
body, after the server answered, in the answer): nothing lost, nothing duplicated, hashes
equal.

The server runs as its own process (``manage.py runserver``) on its own database: a
fresh SQLite file, or, when DATABASE_URL names PostgreSQL, a database created next to the
test database (so the suite's two database runs both cover the restart).
"""

import base64
import hashlib
import http.client
import io
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from tusclient.client import TusClient
from tusclient.uploader import Uploader

from kuzet.core.tests.browser import ROOT, _free_port
from kuzet.field.tests.live import CuttingProxy
from kuzet.people.demo import DEMO_PASSWORD

pytestmark = pytest.mark.slow  # a server process of its own, restarted twice; a cutting proxy
UPLOADS = "/api/v1/uploads/"


class LiveServer:
    """``manage.py runserver`` in a process of its own, which can be stopped and started."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=600,
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as reply:  # noqa: S310
                    if reply.status == 200:
                        return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()  # as a crash would: no clean shutdown
            self.process.wait(timeout=30)
            self.process = None


def _postgres_database(url: str) -> tuple[str, str]:
    """(the URL of a database for the server, the URL of the server's maintenance db).

    Its name carries the pytest-xdist worker's (gw0, gw1…), as the test databases do.
    """
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "kuzet"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    live = parts._replace(path=f"/{name}_uploads_live{'_' + worker if worker else ''}").geturl()
    return live, parts._replace(path="/postgres").geturl()


def _recreate(maintenance: str, live: str, drop_only: bool = False) -> None:
    import psycopg

    name = urlsplit(live).path.lstrip("/")
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    var_dir = tmp_path_factory.mktemp("kuzet-uploads-var")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUZET_", "DATABASE_URL"))}
    env.update(KUZET_DEBUG="1", KUZET_DEMO="1", KUZET_VAR_DIR=str(var_dir))
    database = os.environ.get("DATABASE_URL", "")
    postgres = database.startswith(("postgres://", "postgresql://"))
    if postgres:
        live, maintenance = _postgres_database(database)
        _recreate(maintenance, live)
        env["DATABASE_URL"] = live
    server = LiveServer(env)
    try:
        server.manage("migrate", "--no-input")
        server.manage("load_demo_data", "--no-year")
        server.start()
        yield server
    finally:
        server.stop()
        if postgres:
            _recreate(maintenance, live, drop_only=True)


def call(method: str, url: str, body: Any = None, token: str = "") -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310  (the test's own server)
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            "Accept-Language": "en",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
        method=method,
    )
    try:
        with urllib.request.urlopen(request) as reply:  # noqa: S310
            return reply.status, json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture(scope="module")
def signed_in(server: LiveServer) -> tuple[str, int]:
    """A device token of the demo group leader and a visit they may record on."""
    status, body = call(
        "POST",
        f"{server.base}/api/v1/auth/device-token",
        {"username": "demo-leader", "password": DEMO_PASSWORD, "device_name": "Tablet 3"},
    )
    assert status == 201, body
    token = body["token"]
    status, package = call("GET", f"{server.base}/api/v1/field/package", token=token)
    assert status == 200
    visit = next(v["id"] for v in package["visits"] if v["can_record"])
    return token, visit


def recording(size: int) -> bytes:
    return b"\x1a\x45\xdf\xa3" + os.urandom(size - 4)


def uploader(
    server: LiveServer, token: str, visit: int, data: bytes, media_uuid: str, **options: Any
) -> Uploader:
    client = TusClient(f"{server.base}{UPLOADS}", headers={"Authorization": f"Bearer {token}"})
    return client.uploader(
        file_stream=io.BytesIO(data),
        metadata={
            "filename": "appeal.webm",
            "filetype": "video/webm",
            "media_uuid": media_uuid,
            "visit": str(visit),
            "kind": "video",
            "sha256": hashlib.sha256(data).hexdigest(),
            "captured_at": "2026-11-20T10:30:00+05:00",
            "device": "Tablet 3",
        },
        **options,
    )


def receipt(server: LiveServer, token: str, media_uuid: str) -> tuple[int, Any]:
    return call("GET", f"{server.base}/api/v1/field/receipts/{media_uuid}", token=token)


def test_tuspy_uploads_a_recording_in_checksummed_chunks(
    server: LiveServer, signed_in: tuple[str, int]
) -> None:
    token, visit = signed_in
    data = recording(1_000_000)
    media_uuid = str(uuid.uuid4())
    assert receipt(server, token, media_uuid)[0] == 404
    upload = uploader(
        server, token, visit, data, media_uuid, chunk_size=256 * 1024, upload_checksum=True
    )
    upload.upload()
    assert upload.url == f"{server.base}{UPLOADS}{media_uuid}"
    assert upload.offset == len(data)
    status, body = receipt(server, token, media_uuid)
    assert status == 200 and body["type"] == "media"
    assert body["hash"] == hashlib.sha256(data).hexdigest()


def test_an_upload_resumes_from_the_servers_offset_after_a_restart(
    server: LiveServer, signed_in: tuple[str, int]
) -> None:
    token, visit = signed_in
    data = recording(600_000)
    media_uuid = str(uuid.uuid4())
    first = uploader(server, token, visit, data, media_uuid, chunk_size=100_000)
    first.upload(stop_at=300_000)
    assert first.offset == 300_000

    server.stop()
    server.start()  # a new process: nothing but the database and storage is left

    again = uploader(server, token, visit, data, media_uuid, url=first.url, chunk_size=100_000)
    assert again.offset == 300_000  # asked with HEAD
    again.upload()
    status, body = receipt(server, token, media_uuid)
    assert status == 200 and body["hash"] == hashlib.sha256(data).hexdigest()


def _patch_cut_short(server: LiveServer, path: str, token: str, headers: dict[str, str],
                     announced: int, sent: bytes) -> tuple[int, dict[str, str]]:  # fmt: skip
    """A PATCH whose connection is closed for sending after ``sent`` of ``announced``
    bytes, as when a tablet leaves the network mid-chunk; the server's answer."""
    lines = [
        f"PATCH {path} HTTP/1.1",
        f"Host: 127.0.0.1:{server.port}",
        f"Authorization: Bearer {token}",
        "Tus-Resumable: 1.0.0",
        "Content-Type: application/offset+octet-stream",
        f"Content-Length: {announced}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + sent)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _blank, _body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    found = {
        name.strip().lower(): value.strip()
        for name, _colon, value in (line.partition(":") for line in header_lines)
    }
    return int(status_line.split()[1]), found


def test_bytes_that_arrived_before_the_connection_dropped_are_kept(
    server: LiveServer, signed_in: tuple[str, int]
) -> None:
    token, visit = signed_in
    data = recording(400_000)
    media_uuid = str(uuid.uuid4())
    upload = uploader(server, token, visit, data, media_uuid, chunk_size=400_000)
    upload.set_url(upload.create_url())
    path = urlsplit(upload.url).path

    # With a checksum the chunk must arrive whole: nothing is kept.
    checksum = "sha1 " + base64.b64encode(hashlib.sha1(data).digest()).decode()  # noqa: S324
    status, headers = _patch_cut_short(
        server, path, token, {"Upload-Offset": "0", "Upload-Checksum": checksum},
        len(data), data[:150_000],
    )  # fmt: skip
    assert status == 400 and headers["tus-resumable"] == "1.0.0"
    assert upload.get_offset() == 0
    # Without one, what arrived counts: only the rest is sent again.
    status, headers = _patch_cut_short(
        server, path, token, {"Upload-Offset": "0"}, len(data), data[:150_000]
    )
    assert status == 204 and headers["upload-offset"] == "150000"

    resumed = uploader(server, token, visit, data, media_uuid, url=upload.url)
    assert resumed.offset == 150_000
    resumed.upload()
    status, body = receipt(server, token, media_uuid)
    assert status == 200 and body["hash"] == hashlib.sha256(data).hexdigest()


def test_another_device_user_cannot_continue_the_upload(
    server: LiveServer, signed_in: tuple[str, int]
) -> None:
    token, visit = signed_in
    status, body = call(
        "POST",
        f"{server.base}/api/v1/auth/device-token",
        {"username": "demo-participant", "password": DEMO_PASSWORD, "device_name": "Tablet 9"},
    )
    assert status == 201, body
    data = recording(50_000)
    media_uuid = str(uuid.uuid4())
    upload = uploader(server, token, visit, data, media_uuid, chunk_size=20_000)
    upload.upload(stop_at=20_000)
    stranger = TusClient(
        f"{server.base}{UPLOADS}", headers={"Authorization": f"Bearer {body['token']}"}
    )
    with pytest.raises(Exception, match="404"):
        stranger.uploader(file_stream=io.BytesIO(data), url=upload.url)


def _through(port: int, method: str, path: str, headers: dict[str, str],
             body: bytes = b"") -> tuple[int, dict[str, str]]:  # fmt: skip
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        reply = connection.getresponse()
        reply.read()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}
    finally:
        connection.close()


def test_uploads_through_a_network_that_cuts_connections_lose_and_duplicate_nothing(
    server: LiveServer, signed_in: tuple[str, int]
) -> None:
    """A tablet that retries on every failure (no answer, a cut answer, any status):
    creation, HEAD for the offset, a checksummed chunk from there — until HEAD says done."""
    token, visit = signed_in
    seed = random.randrange(1_000_000)
    proxy = CuttingProxy(server.port, seed, max_cuts=80)
    files = {str(uuid.uuid4()): recording(random.randint(100_000, 300_000)) for _ in range(4)}
    auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0", "Connection": "close"}
    requests = 0
    try:
        for media_uuid, data in files.items():
            meta = {
                "media_uuid": media_uuid,
                "visit": str(visit),
                "kind": "video",
                "sha256": hashlib.sha256(data).hexdigest(),
            }
            encoded = ",".join(
                f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in meta.items()
            )
            location = ""
            while True:
                requests += 1
                assert requests < 2_000, f"seed {seed}: no progress"
                try:
                    if not location:
                        status, headers = _through(proxy.port, "POST", UPLOADS, {
                            **auth, "Upload-Length": str(len(data)), "Upload-Metadata": encoded,
                        })  # fmt: skip
                        if status == 201 and "location" in headers:
                            location = headers["location"]
                        continue
                    # An answer cut between two header lines parses as a shorter answer
                    # (http.client stops at the end of the stream): a header it lacks means
                    # the answer did not arrive whole — ask again, as a tablet must.
                    status, headers = _through(proxy.port, "HEAD", location, auth)
                    if status != 200 or "upload-offset" not in headers:
                        continue
                    offset = int(headers["upload-offset"])
                    if offset == len(data):
                        if "kuzet-media" not in headers:  # done, but that line was cut
                            continue
                        assert headers["kuzet-media"] == media_uuid
                        break
                    piece = data[offset : offset + 64 * 1024]
                    digest = base64.b64encode(hashlib.sha1(piece).digest()).decode()  # noqa: S324
                    _through(proxy.port, "PATCH", location, {
                        **auth, "Upload-Offset": str(offset), "Upload-Checksum": f"sha1 {digest}",
                        "Content-Type": "application/offset+octet-stream",
                    }, piece)  # fmt: skip
                except (OSError, http.client.HTTPException):
                    continue  # the connection was cut: ask where the upload stands
    finally:
        proxy.close()

    assert sum(proxy.cuts.values()) > 0, f"seed {seed}: no connection was cut"
    print(f"seed {seed}, {requests} requests, cuts: {dict(proxy.cuts)}")
    media_root = Path(server.env["KUZET_VAR_DIR"]) / "media"
    for media_uuid, data in files.items():
        status, body = receipt(server, token, media_uuid)
        assert status == 200, f"seed {seed}"
        assert body["hash"] == hashlib.sha256(data).hexdigest(), f"seed {seed}"
        stored = list((media_root / "evidence").rglob(f"{media_uuid}*"))
        assert [path.read_bytes() == data for path in stored] == [True], f"seed {seed}"
        # Nothing of the transfer is left (other tests of the module leave unfinished ones).
        assert not (media_root / "uploads" / media_uuid).exists(), f"seed {seed}"
