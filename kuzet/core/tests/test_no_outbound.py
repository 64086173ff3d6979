"""The server makes no outbound connection and pages load nothing from outside.

A state information system in Kazakhstan keeps its data in the country and is tested for
what it sends where (docs/security/README.md). Two checks:

- every template and every static file the server can serve is read for an external
  address in a place a browser would load it from (script, stylesheet, image, font, frame,
  ``url()``, ``@import``, ``fetch``); comments of vendored libraries are not loads;
- every page of the site is requested by users of every role while any socket connection
  to an address other than this machine (loopback, Unix sockets) raises — each attempt is
  recorded — and the HTML answered is read for external addresses in the same places.
"""

import ipaddress
import re
import socket
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from kuzet.conftest import InstitutionFactory
from kuzet.core.policy import Role
from kuzet.core.tests.test_access_matrix import EXPECTED, KWARGS, SKIP, url_names
from kuzet.people.models import User
from kuzet.registry.models import Region
from kuzet.visits.models import TeamMember
from kuzet.visits.services.planning import TeamPlace, visit_plan

KUZET = Path(__file__).resolve().parents[2]
EXTERNAL = r"(?:https?:|wss?:|ftp:)?//(?![/*])[A-Za-z0-9.-]*[A-Za-z][^\s\"'()<>`]*"
# Where a browser fetches what an address names (HTML attributes, CSS, scripts).
LOADS = [
    re.compile(
        r"<(?:script|img|iframe|frame|source|track|audio|video|embed|input)\b[^>]*\s"
        rf"(?:src|poster|srcset)\s*=\s*[\"']?\s*{EXTERNAL}",
        re.I,
    ),
    re.compile(rf"<link\b[^>]*\shref\s*=\s*[\"']?\s*{EXTERNAL}", re.I),
    re.compile(rf"<object\b[^>]*\sdata\s*=\s*[\"']?\s*{EXTERNAL}", re.I),
    re.compile(rf"<form\b[^>]*\saction\s*=\s*[\"']?\s*{EXTERNAL}", re.I),
    re.compile(rf"url\(\s*[\"']?\s*{EXTERNAL}", re.I),
    re.compile(rf"@import\s+(?:url\()?\s*[\"']\s*{EXTERNAL}", re.I),
    re.compile(
        r"\b(?:fetch|importScripts|import|WebSocket|EventSource|Worker|SharedWorker|"
        rf"sendBeacon|open)\s*\(\s*[\"'`]\s*{EXTERNAL}"
    ),
    re.compile(rf"\bfrom\s+[\"']\s*{EXTERNAL}"),
]
# Plain addresses in our own templates and stylesheets are not expected at all.
ANY_ADDRESS = re.compile(EXTERNAL)
NOT_FETCHED = ("//www.w3.org/",)  # XML namespaces name, they are never loaded


def _is_comment(line: str, start: int) -> bool:
    before = line[:start]
    stripped = line.lstrip()
    return stripped.startswith(("//", "*", "/*", "#", "{#")) or "// " in before or "/*" in before


def external_loads(text: str, *, code: bool) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for pattern in LOADS:
            for match in pattern.finditer(line):
                if code and _is_comment(line, match.start()):
                    continue
                if not any(ok in match.group(0) for ok in NOT_FETCHED):
                    found.append(f"line {number}: {match.group(0)[:120]}")
    return found


def _served_static_files() -> Iterator[tuple[str, Path]]:
    for finder in finders.get_finders():
        for name, storage in finder.list(["CVS", ".*", "*~"]):
            yield name, Path(storage.path(name))


def test_no_template_or_static_file_loads_anything_from_outside() -> None:
    problems = []
    checked = 0
    for template in sorted(KUZET.glob("*/templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        checked += 1
        for line_number, line in enumerate(text.splitlines(), start=1):
            for match in ANY_ADDRESS.finditer(line):
                if not any(ok in match.group(0) for ok in NOT_FETCHED):
                    problems.append(
                        f"{template.relative_to(KUZET)} line {line_number}: {line.strip()[:120]}"
                    )
    for name, path in _served_static_files():
        if path.suffix not in {".js", ".mjs", ".css", ".html", ".svg", ".json", ".webmanifest"}:
            continue
        checked += 1
        text = path.read_text(encoding="utf-8", errors="replace")
        code = path.suffix in {".js", ".mjs", ".css"}
        problems += [f"static {name} {p}" for p in external_loads(text, code=code)]
    assert checked > 50, (
        "the scan found too few files: are templates and static files where it looks?"
    )
    assert not problems, "loads from outside:\n" + "\n".join(problems)


def test_the_scan_finds_what_it_is_for() -> None:
    # The patterns are only worth what they catch: a few loads it must see, and non-loads.
    assert external_loads('<script src="https://cdn.example.com/x.js"></script>', code=False)
    assert external_loads("<link rel=stylesheet href='//fonts.example.com/css'>", code=False)
    assert external_loads("body { background: url(https://tiles.example.org/1.png) }", code=True)
    assert external_loads('@import "https://fonts.example.com/a.css";', code=True)
    assert external_loads("fetch('https://api.example.com/v1')", code=True)
    assert not external_loads("// see https://example.com/spec", code=True)
    assert not external_loads('<svg xmlns="http://www.w3.org/2000/svg"></svg>', code=False)
    assert not external_loads('<script src="/static/field/app.js"></script>', code=False)


def _local(address: Any, family: int) -> bool:
    if family == socket.AF_UNIX:
        return True
    host = address[0] if isinstance(address, tuple) else address
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture
def outbound_blocked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every connection to another machine raises, and is recorded."""
    attempts: list[str] = []
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guarded(original: Callable[..., Any]) -> Callable[..., Any]:
        def call(self: socket.socket, address: Any) -> Any:
            if not _local(address, self.family):
                attempts.append(repr(address))
                raise ConnectionRefusedError(
                    f"outbound connection blocked by the test: {address!r}"
                )
            return original(self, address)

        return call

    monkeypatch.setattr(socket.socket, "connect", guarded(connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guarded(connect_ex))
    return attempts


def test_the_guard_refuses_another_machine(outbound_blocked: list[str]) -> None:
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1: never reached, refused before
    assert outbound_blocked == ["('192.0.2.1', 443)"]


@pytest.mark.slow
def test_every_page_as_every_role_connects_nowhere_and_loads_nothing_from_outside(
    outbound_blocked: list[str],
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
    own_region: Region,
    checklist: Any,
) -> None:
    users = {role.value: make_user(role, username=f"o-{role.value}") for role in Role}
    visit = visit_plan(
        actor=users["coordinator"],
        institution=InstitutionFactory(region=own_region),
        planned_date=date(2026, 12, 1),
        team=[
            TeamPlace(users["group_leader"], TeamMember.Role.LEADER),
            TeamPlace(users["participant"], TeamMember.Role.MEMBER),
        ],
        objectives="Проверка",
    )
    urls = ["/healthz"]
    for name, pattern in url_names():
        if name.startswith("admin:") or EXPECTED[name] is SKIP:
            continue
        kwargs = dict(KWARGS.get(name, {}))
        params = set(pattern.pattern.converters)
        if EXPECTED[name].on_visit or "pk" in params:
            kwargs["pk"] = visit.pk if EXPECTED[name].on_visit else visit.institution.pk
        if "code" in params:
            kwargs["code"] = checklist.instrument.code
        if "number" in params:
            kwargs["code"], kwargs["number"] = checklist.instrument.code, checklist.number
        urls.append(reverse(name, kwargs=kwargs))
    urls.append(reverse("admin:index"))
    clients = {"anonymous": Client(), **{n: client_for(u) for n, u in users.items()}}
    problems, pages = [], 0
    for who, client in clients.items():
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, f"{url} as {who}: {response.status_code}"
            content_type = response.get("Content-Type", "")
            if response.status_code == 200 and "html" in content_type:
                pages += 1
                body = response.content.decode("utf-8", errors="replace")
                problems += [f"{url} as {who}: {p}" for p in external_loads(body, code=False)]
                csp = response.get("Content-Security-Policy", "")
                assert "default-src 'self'" in csp, f"{url} as {who}: no CSP: {csp!r}"
    assert pages > 100
    assert not problems, "\n".join(problems)
    assert outbound_blocked == [], f"outbound connections attempted: {outbound_blocked}"
