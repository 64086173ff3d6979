"""Record sync through a faulty network into a server that crashes: nothing lost, nothing
duplicated, hashes equal, the audit chain whole.

The production application server (gunicorn with ``deploy/gunicorn.conf.py``, 2 workers,
debug off) runs in a session of its own on a database of its own (an SQLite file, or a
PostgreSQL database next to the test database when DATABASE_URL names one). Three tablets
send sealed records at once, each through a proxy that cuts connections at random points
(before the request reaches the server, in its middle, after the server answered, in the
answer), while the test kills gunicorn workers and the whole server (SIGKILL, master and
workers at once) and starts it again. Each tablet behaves as docs/field-api.md says: it
seals a record once, stores the request, and after a lost answer or a 5xx sends the stored
bytes again, unchanged, until it gets a receipt (201, or 200 for a resend). Seeded and
bounded in cuts, kills and time; the seed is printed, and ``KUZET_FAULT_SEED`` replays it.
"""

import base64
import hashlib
import http.client
import json
import os
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kuzet.field.tests.device import SECRET_NAME, content_hash, seal_bytes
from kuzet.field.tests.live import CuttingProxy, Gunicorn, manage, server_environment

pytestmark = pytest.mark.slow  # a gunicorn of its own, killed and started again; ~1 minute

DEVICES = 3
RECORDS_PER_DEVICE = 16
MAX_CUTS = 60
WORKER_KILLS = 3
SERVER_KILLS = 2
DEADLINE = 240.0  # seconds for the sync under faults (a loaded machine); ~30–60 s usually


def _call(port: int, method: str, path: str, body: bytes | None = None,
          token: str = "") -> tuple[int, bytes]:  # fmt: skip
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            method,
            path,
            body=body,
            headers={
                "Content-Type": "application/json",
                "Accept-Language": "en",
                "Connection": "close",
                **({"Authorization": f"Bearer {token}"} if token else {}),
            },
        )
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    work = tmp_path_factory.mktemp("kuzet-sync-faults")
    with server_environment(work, "sync_faults") as env:
        gunicorn = Gunicorn(env, work / "gunicorn.log", workers=2)
        gunicorn.start()
        try:
            yield gunicorn
        finally:
            gunicorn.stop()


def _interview(visit: int, code: str) -> dict[str, Any]:
    return {
        "kind": "individual",
        "conducted_at": "2026-12-01T11:00:00+05:00",
        "person_code": code,
        "identity": {"full_name": SECRET_NAME, "birth_date": "1990-01-01", "cell": "12"},
        "consent_interview": True,
        "consent_quote": False,
        "consent_identify": False,
        "consent_transmit": True,
        "vulnerabilities": ["first_detention"],
        "fears_reprisals": False,
        "reprisal_risk": "low",
        "notes": f"Беседа {code}: жалоб на условия нет.",
    }


def _finding(title: str) -> dict[str, Any]:
    return {
        "theme": "safeguards",
        "title": title,
        "description": "Журнал применения силы не ведётся с марта, записи о трёх случаях отсутствуют.",
        "sources": ["documents", "detainees"],
        "good_practice": False,
        "severity": "high",
        "obstacle": "",
        "interviews": [],
        "items": [],
        "no_recommendation_reason": "",
    }


def _kill_meanwhile(
    server: Gunicorn, threads: list[threading.Thread], rng: random.Random, worker_kills: int,
    server_kills: int, deadline: float, progress: Callable[[], float],
) -> Counter[str]:  # fmt: skip
    """Start ``threads``, SIGKILL gunicorn workers and the whole server (then start it
    again) in a seeded order while they run; wait for the threads. Each kill comes when the
    clients' ``progress`` (0 to 1) passes a seeded point between 0.1 and 0.8, so that the
    kills fall during the sync however fast the machine is."""
    kills: Counter[str] = Counter()
    for thread in threads:
        thread.start()
    plan = ["worker"] * worker_kills + ["server"] * server_kills
    rng.shuffle(plan)
    points = sorted(rng.uniform(0.1, 0.8) for _ in plan)
    for what, point in zip(plan, points, strict=True):
        while progress() < point and time.monotonic() < deadline:
            if not any(thread.is_alive() for thread in threads):
                break
            time.sleep(0.005)
        if not any(thread.is_alive() for thread in threads):
            break
        if what == "worker":
            kills["worker"] += server.kill_worker(rng)
        else:
            server.kill()
            kills["server"] += 1
            time.sleep(rng.uniform(0.0, 0.5))  # the clients meet a closed port
            server.start()
    for thread in threads:
        thread.join(timeout=max(1.0, deadline - time.monotonic() + 5))
    return kills


class Tablet:
    """Records sealed once and stored as the bytes of their request, sent through the
    proxy until each has a receipt."""

    def __init__(self, name: str, token: str, visit: int, key: dict[str, str]) -> None:
        self.name, self.token = name, token
        self.outbox: list[tuple[str, bytes, str]] = []  # (uuid, request body, content hash)
        for n in range(RECORDS_PER_DEVICE):
            record_uuid = str(uuid.uuid4())
            code = f"{name}-{n:02d}"
            kind, data = (
                ("interview", _interview(visit, code))
                if n % 2 == 0
                else ("finding", _finding(f"Находка {code}: журнал силы не ведётся"))
            )
            record = {
                "uuid": record_uuid,
                "type": kind,
                "visit": visit,
                "created_at": "2026-12-01T10:00:00+05:00",
                "finalized_at": "2026-12-01T10:30:00+05:00",
                "device": name,
                "data": data,
            }
            envelope = seal_bytes(json.dumps(record).encode(), spki=key["spki"], kid=key["kid"])
            body = json.dumps({"uuid": record_uuid, "envelope": envelope}).encode()
            self.outbox.append((record_uuid, body, content_hash(envelope)))
        self.receipts: dict[str, dict[str, Any]] = {}
        self.attempts = 0
        self.statuses: Counter[str] = Counter()
        self.failure = ""

    def sync(self, port: int, deadline: float) -> None:
        try:
            for record_uuid, body, _hash in self.outbox:
                while record_uuid not in self.receipts:
                    if time.monotonic() > deadline:
                        raise AssertionError(f"{self.name}: no receipt for {record_uuid} in time")
                    self.attempts += 1
                    try:
                        status, answer = _call(
                            port, "POST", "/api/v1/field/submissions", body, self.token
                        )
                    except (OSError, http.client.HTTPException):
                        self.statuses["no answer"] += 1
                        time.sleep(0.1)  # the connection was cut, or the server is down
                        continue
                    self.statuses[str(status)] += 1
                    if status >= 500:
                        time.sleep(0.05)
                        continue
                    try:
                        receipt = json.loads(answer)
                    except ValueError:
                        self.statuses["cut answer"] += 1
                        continue  # the answer arrived cut short: it is no answer
                    if status in (200, 201) and receipt.get("uuid") == record_uuid:
                        self.receipts[record_uuid] = receipt
                        continue
                    raise AssertionError(f"{self.name}: {status} {answer[:500]!r}")
        except BaseException as exc:
            self.failure = f"{type(exc).__name__}: {exc}"


def _seed() -> int:
    return int(os.environ.get("KUZET_FAULT_SEED", "") or random.randrange(1_000_000))


@pytest.fixture(scope="module")
def signed_in(server: Gunicorn) -> list[tuple[str, int, dict[str, str]]]:
    """For each tablet: its device token, a visit it may record on, the server's key."""
    issued = manage(server.env, "shell", "-c", TOKENS, KUZET_DEVICES=str(DEVICES))
    tokens = [line.split()[1] for line in issued.splitlines() if line.startswith("TOKEN ")]
    assert len(tokens) == DEVICES, issued
    devices = []
    for token in tokens:
        status, answer = _call(server.port, "GET", "/api/v1/field/package", token=token)
        assert status == 200, answer[:500]
        package = json.loads(answer)
        visit = next(v["id"] for v in package["visits"] if v["can_record"])
        devices.append((token, visit, package["server_key"]))
    return devices


def test_records_synced_through_cuts_and_server_kills_arrive_once_with_equal_hashes(
    server: Gunicorn, signed_in: list[tuple[str, int, dict[str, str]]]
) -> None:
    seed = _seed()
    rng = random.Random(seed)
    tablets = [
        Tablet(f"T{n}", token, visit, key) for n, (token, visit, key) in enumerate(signed_in)
    ]

    proxy = CuttingProxy(server.port, seed, max_cuts=MAX_CUTS, rate=0.4)
    started = time.monotonic()
    deadline = started + DEADLINE
    threads = [
        threading.Thread(target=tablet.sync, args=(proxy.port, deadline)) for tablet in tablets
    ]
    try:
        kills = _kill_meanwhile(
            server, threads, rng, WORKER_KILLS, SERVER_KILLS, deadline,
            lambda: sum(len(t.receipts) for t in tablets) / (DEVICES * RECORDS_PER_DEVICE),
        )  # fmt: skip
    finally:
        proxy.close()
    duration = time.monotonic() - started
    attempts = sum(tablet.attempts for tablet in tablets)
    statuses = sum((tablet.statuses for tablet in tablets), Counter())
    summary = (
        f"seed {seed}: {DEVICES * RECORDS_PER_DEVICE} records, {attempts} requests in "
        f"{duration:.1f} s; cuts {dict(proxy.cuts)}; kills {dict(kills)}; answers {dict(statuses)}"
    )
    print(summary)
    assert not [t.failure for t in tablets if t.failure], (
        f"{summary}: {[t.failure for t in tablets]}"
    )
    assert sum(proxy.cuts.values()) > 0 and kills["server"] > 0, summary

    # Every receipt's hash is the hash of the envelope the tablet stored, and the server
    # (asked directly, not through the proxy) holds exactly that.
    expected: dict[str, str] = {}
    for tablet in tablets:
        for record_uuid, _body, digest in tablet.outbox:
            assert tablet.receipts[record_uuid]["hash"] == digest, summary
            status, answer = _call(
                server.port, "GET", f"/api/v1/field/receipts/{record_uuid}", token=tablet.token
            )
            assert status == 200, summary
            assert json.loads(answer)["hash"] == digest, summary
            expected[record_uuid] = digest

    # In the server's database: each record once, with that hash, and what it became once.
    checked = manage(
        server.env, "shell", "-c", CHECK, KUZET_CHECK_UUIDS=json.dumps(sorted(expected))
    )
    found = json.loads(checked.strip().splitlines()[-1])
    assert found["submissions"] == {u: [h] for u, h in expected.items()}, summary
    assert found["objects"] == DEVICES * RECORDS_PER_DEVICE, summary
    assert sorted(found["codes"]) == sorted(
        f"T{d}-{n:02d}" for d in range(DEVICES) for n in range(0, RECORDS_PER_DEVICE, 2)
    ), summary
    assert len(found["titles"]) == len(set(found["titles"])) == DEVICES * RECORDS_PER_DEVICE // 2
    # The audit trail's hash chain is unbroken.
    manage(server.env, "verify_audit")


# A team leader of its own on a visit of the demo data for each tablet, and its device
# token (the demo users sign in only in the demo configuration; this server is production's).
TOKENS = r"""
import os
from kuzet.field.services import device_token_issue
from kuzet.people.models import GroupMembership, RegionalGroup, User
from kuzet.visits.models import TeamMember, Visit
from kuzet.visits.services.access import visit_access
demo = User.objects.get(username="demo-leader")
visits = [v for v in Visit.objects.order_by("pk") if visit_access(demo, v).record]
for n in range(int(os.environ["KUZET_DEVICES"])):
    visit = visits[n % len(visits)]
    user = User.objects.create_user(f"fault-{n}", password=None, role="group_leader")
    TeamMember.objects.create(visit=visit, user=user, role=TeamMember.Role.MEMBER)
    for group in RegionalGroup.objects.filter(memberships__user=demo, region=visit.region):
        GroupMembership.objects.create(group=group, user=user)
    assert visit_access(user, visit).record
    print("TOKEN", device_token_issue(user=user, name=f"Tablet T{n}")[1])
"""

CHECK = r"""
import json, os
from kuzet.field.models import Submission
from kuzet.visits.models import CodedPerson, Finding, Interview
wanted = json.loads(os.environ["KUZET_CHECK_UUIDS"])
submissions = {}
for row in Submission.objects.filter(uuid__in=wanted).values("uuid", "content_hash"):
    submissions.setdefault(str(row["uuid"]), []).append(row["content_hash"])
rows = Submission.objects.filter(uuid__in=wanted)
interviews = [r.object_id for r in rows if r.type == "interview"]
findings = [r.object_id for r in rows if r.type == "finding"]
print(json.dumps({
    "submissions": submissions,
    "objects": Interview.objects.filter(pk__in=interviews).count()
    + Finding.objects.filter(pk__in=findings).count(),
    "codes": list(CodedPerson.objects.filter(code__regex=r"^T[0-9]-[0-9]{2}$")
                  .values_list("code", flat=True)),
    "titles": list(Finding.objects.filter(title__startswith="Находка T").values_list("title", flat=True)),
}))
"""


def _tus(port: int, method: str, path: str, headers: dict[str, str],
         body: bytes = b"") -> tuple[int, dict[str, str]]:  # fmt: skip
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        reply = connection.getresponse()
        reply.read()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}
    finally:
        connection.close()


class Recorder:
    """A tablet uploading one recording with tus as docs/field-api.md says, retrying on
    every failure (no answer, a cut answer, any status): creation, HEAD for the offset, a
    chunk with its SHA-1 from there — until HEAD says the item is evidence."""

    def __init__(self, token: str, visit: int, data: bytes, piece: int) -> None:
        self.token, self.visit, self.data, self.piece = token, visit, data, piece
        self.media_uuid = str(uuid.uuid4())
        self.offset = 0  # what the server last said it holds (HEAD)
        self.requests = 0
        self.failure = ""

    def upload(self, port: int, deadline: float) -> None:
        try:
            self._upload(port, deadline)
        except BaseException as exc:
            self.failure = f"{type(exc).__name__}: {exc}"

    def _upload(self, port: int, deadline: float) -> None:
        auth = {
            "Authorization": f"Bearer {self.token}",
            "Tus-Resumable": "1.0.0",
            "Connection": "close",
        }
        meta = {
            "media_uuid": self.media_uuid,
            "visit": str(self.visit),
            "kind": "video",
            "sha256": hashlib.sha256(self.data).hexdigest(),
        }
        encoded = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in meta.items())
        location = ""
        while True:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.media_uuid}: not uploaded in time")
            self.requests += 1
            try:
                if not location:
                    status, headers = _tus(port, "POST", UPLOADS, {
                        **auth, "Upload-Length": str(len(self.data)), "Upload-Metadata": encoded,
                    })  # fmt: skip
                    if status == 201 and "location" in headers:
                        location = headers["location"]
                    elif status < 500:
                        raise AssertionError(f"creation answered {status}")
                    continue
                # An answer cut between two header lines parses as a shorter answer: a
                # header it lacks means the answer did not arrive whole — ask again.
                status, headers = _tus(port, "HEAD", location, auth)
                if status != 200 or "upload-offset" not in headers:
                    continue
                offset = self.offset = int(headers["upload-offset"])
                if offset == len(self.data):
                    if "kuzet-media" in headers:
                        assert headers["kuzet-media"] == self.media_uuid
                        return
                    continue
                piece = self.data[offset : offset + self.piece]
                digest = base64.b64encode(hashlib.sha1(piece).digest()).decode()  # noqa: S324
                _tus(port, "PATCH", location, {
                    **auth, "Upload-Offset": str(offset), "Upload-Checksum": f"sha1 {digest}",
                    "Content-Type": "application/offset+octet-stream",
                }, piece)  # fmt: skip
            except (OSError, http.client.HTTPException):
                time.sleep(0.1)  # cut, or the server is down: ask where the upload stands


UPLOADS = "/api/v1/uploads/"


def test_uploads_through_cuts_and_server_kills_lose_and_duplicate_nothing(
    server: Gunicorn, signed_in: list[tuple[str, int, dict[str, str]]]
) -> None:
    seed = _seed()
    rng = random.Random(seed)
    recorders = [
        Recorder(
            token, visit, b"\x1a\x45\xdf\xa3" + rng.randbytes(rng.randint(1, 2) << 20), 256 << 10
        )
        for token, visit, _key in signed_in
    ]
    proxy = CuttingProxy(server.port, seed, max_cuts=MAX_CUTS, rate=0.3)
    started = time.monotonic()
    deadline = started + DEADLINE
    threads = [threading.Thread(target=r.upload, args=(proxy.port, deadline)) for r in recorders]
    try:
        total = sum(len(r.data) for r in recorders)
        kills = _kill_meanwhile(
            server, threads, rng, WORKER_KILLS, SERVER_KILLS, deadline,
            lambda: sum(r.offset for r in recorders) / total,
        )  # fmt: skip
    finally:
        proxy.close()
    summary = (
        f"seed {seed}: {len(recorders)} uploads of {sum(len(r.data) for r in recorders)} bytes, "
        f"{sum(r.requests for r in recorders)} requests in {time.monotonic() - started:.1f} s; "
        f"cuts {dict(proxy.cuts)}; kills {dict(kills)}"
    )
    print(summary)
    assert not [r.failure for r in recorders if r.failure], (
        f"{summary}: {[r.failure for r in recorders]}"
    )
    assert sum(proxy.cuts.values()) > 0 and kills["server"] > 0, summary
    media_root = Path(server.env["KUZET_VAR_DIR"]) / "media"
    for recorder in recorders:
        status, answer = _call(
            server.port, "GET", f"/api/v1/field/receipts/{recorder.media_uuid}",
            token=recorder.token,
        )  # fmt: skip
        assert status == 200, summary
        assert json.loads(answer)["hash"] == hashlib.sha256(recorder.data).hexdigest(), summary
        stored = list((media_root / "evidence").rglob(f"{recorder.media_uuid}*"))
        assert [path.read_bytes() == recorder.data for path in stored] == [True], summary
        assert not (media_root / "uploads" / recorder.media_uuid).exists(), summary
    manage(server.env, "verify_audit")
