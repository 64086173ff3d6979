"""Video appeals: registered as they arrive, watched only by those the person allowed (view,
download, media tab, ZIP export, reports), forwarded only to them, counted on the dashboard."""

import io
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kuzet.core.models import AuditAction, AuditEvent
from kuzet.core.policy import Role
from kuzet.dashboard.facts import facts_catch_up
from kuzet.people.models import User
from kuzet.reports.exports import media_name
from kuzet.reports.visit_data import visit_report_data
from kuzet.visits.demo_media import demo_video
from kuzet.visits.models import Appeal, Finding, Interview, MediaEvidence, Visit, VisitChange
from kuzet.visits.services.appeals import appeal_forward, appeal_record_outcome
from kuzet.visits.services.findings import finding_record
from kuzet.visits.services.interviews import interview_record
from kuzet.visits.services.media import media_add

pytestmark = pytest.mark.django_db
SECRET_NAME = "Секретов Тайный"


@pytest.fixture(autouse=True)
def storage(settings: object, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")  # type: ignore[attr-defined]


def an_interview(member: User, visit: Visit) -> Interview:
    return interview_record(
        actor=member, visit=visit, kind=Interview.Kind.INDIVIDUAL, conducted_at=timezone.now(),
        person_code="A-07", identity={"full_name": SECRET_NAME}, consent_interview=True,
    )  # fmt: skip


def appeal(
    visit: Visit, member: User, shown_to: list[str], *, interview: bool = True, **options: object
) -> MediaEvidence:
    return media_add(
        actor=member,
        visit=visit,
        upload=SimpleUploadedFile("appeal.webm", demo_video(random.Random(len(shown_to)))),
        kind="video",
        interview=an_interview(member, visit) if interview else None,
        appeal_consent={"recorded": True, "shown_to": shown_to},
        **options,  # type: ignore[arg-type]
    )


def test_a_video_appeal_enters_the_register_with_the_persons_code(
    visit: Visit, member: User
) -> None:
    VisitChange.objects.all().delete()
    item = appeal(visit, member, ["npm", "commissioner"])
    entry = Appeal.objects.get()
    assert entry.media == item and entry.visit == visit
    assert entry.person is not None and entry.person.code == "A-07"
    assert entry.status == Appeal.Status.REGISTERED
    assert entry.shown_to == ["npm", "commissioner"]
    # The dashboard is told that the visit's figures changed.
    assert VisitChange.objects.filter(visit_id=visit.pk).exists()
    # A plain recording is not an appeal.
    media_add(
        actor=member, visit=visit, kind="video",
        upload=SimpleUploadedFile("v.webm", demo_video(random.Random(9))),
    )  # fmt: skip
    assert Appeal.objects.count() == 1


def test_an_appeal_names_only_known_audiences(visit: Visit, member: User) -> None:
    with pytest.raises(ValidationError) as caught:
        appeal(visit, member, ["my lawyer"], interview=False)
    assert "appeal_consent" in caught.value.message_dict
    assert not MediaEvidence.objects.exists() and not Appeal.objects.exists()


def _who(name: str, *, member: User, secretariat: User, coordinator: User, make_user: Callable[..., User]) -> User:  # fmt: skip
    if name == "member":
        return member
    if name == "secretariat":
        return secretariat
    if name == "coordinator":
        return coordinator
    return make_user(Role.COUNCIL)


CASES = [
    (["npm"], "member", True),
    (["npm"], "secretariat", True),
    (["commissioner"], "member", False),
    (["commissioner"], "secretariat", True),
    (["prosecutor", "public"], "member", False),
    (["prosecutor", "public"], "secretariat", False),
    (["npm", "commissioner", "prosecutor"], "coordinator", False),
    (["npm", "commissioner", "prosecutor", "public"], "council", False),
]


@pytest.mark.parametrize(("shown_to", "who", "allowed"), CASES)
def test_the_persons_consent_decides_who_watches_downloads_and_exports_the_appeal(
    visit: Visit,
    member: User,
    secretariat: User,
    coordinator: User,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
    shown_to: list[str],
    who: str,
    allowed: bool,
) -> None:
    item = appeal(visit, member, shown_to)
    user = _who(who, member=member, secretariat=secretariat, coordinator=coordinator, make_user=make_user)  # fmt: skip
    client = client_for(user)
    url = reverse("visits:media_file", args=[item.uuid])

    for query in ("", "?download=1"):
        response = client.get(url + query)
        assert response.status_code == (200 if allowed else 404), query  # as if it did not exist
    tab = client.get(reverse("visits:media_tab", args=[visit.pk]))
    if tab.status_code == 200:
        assert (str(item.uuid) in tab.content.decode()) is allowed
    export = client.get(reverse("reports:media_export", args=[visit.pk]))
    if export.status_code == 200:
        archive = zipfile.ZipFile(io.BytesIO(b"".join(export.streaming_content)))
        assert (media_name(item) in archive.namelist()) is allowed
    if not allowed:
        refusals = AuditEvent.objects.filter(
            action=AuditAction.ACCESS_DENIED, object_type="visits.mediaevidence"
        )
        assert refusals.exists()
    kinds = set(item.custody.values_list("kind", flat=True))
    assert ("viewed" in kinds) is allowed and ("downloaded" in kinds) is allowed


@pytest.mark.parametrize(
    ("shown_to", "internal", "external"),
    [(["npm"], True, False), (["public"], False, True), (["commissioner"], False, False)],
)
def test_a_report_mentions_an_appeal_only_with_the_persons_consent(
    visit: Visit, member: User, shown_to: list[str], internal: bool, external: bool
) -> None:
    finding = finding_record(
        actor=member, visit=visit, theme="treatment", title="Обращение о применении силы",
        description="Лицо сообщило о применении силы при доставлении 12.11.2026 двумя сотрудниками.",
        sources=["detainees"], severity=Finding.Severity.HIGH,
    )  # fmt: skip
    item = appeal(visit, member, shown_to, interview=False, finding=finding)
    for edition, expected in (("internal", internal), ("external", external)):
        data = visit_report_data(visit, edition=edition, language="ru")
        assert (item.sha256 in str(data)) is expected, edition


@pytest.mark.parametrize(
    "role", [Role.PARTICIPANT, Role.GROUP_LEADER, Role.COORDINATOR, Role.COUNCIL, Role.AUDITOR,
             Role.ADMINISTRATOR],
)  # fmt: skip
def test_only_the_secretariat_opens_the_register(
    visit: Visit,
    member: User,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
    role: Role,
) -> None:
    appeal(visit, member, ["commissioner"])
    entry = Appeal.objects.get()
    client = client_for(make_user(role))
    assert client.get(reverse("visits:appeal_list")).status_code == 403
    assert client.get(reverse("visits:appeal_detail", args=[entry.pk])).status_code == 403
    anonymous = Client().get(reverse("visits:appeal_detail", args=[entry.pk]))
    assert anonymous.status_code == 302


def test_the_register_shows_the_code_never_the_name(
    visit: Visit, member: User, secretariat: User, client_for: Callable[[User], Client]
) -> None:
    appeal(visit, member, ["prosecutor"])
    entry = Appeal.objects.get()
    client = client_for(secretariat)
    for url in (reverse("visits:appeal_list"), reverse("visits:appeal_detail", args=[entry.pk])):
        page = client.get(url).content.decode()
        assert "A-07" in page and SECRET_NAME not in page
    # The person allowed the prosecutor only: nobody here watches it.
    detail = client.get(reverse("visits:appeal_detail", args=[entry.pk])).content.decode()
    assert 'id="not-allowed"' in detail
    assert reverse("visits:media_file", args=[entry.media.uuid]) not in detail
    assert client.get(reverse("visits:appeal_detail", args=[entry.pk + 99])).status_code == 404


def test_an_appeal_is_forwarded_only_to_whom_the_person_allowed(
    visit: Visit, member: User, secretariat: User, client_for: Callable[[User], Client]
) -> None:
    appeal(visit, member, ["npm", "commissioner"])
    entry = Appeal.objects.get()
    today = timezone.localdate()
    with pytest.raises(ValidationError) as caught:
        appeal_forward(actor=secretariat, appeal=entry, to="prosecutor", on=today)
    assert "to" in caught.value.message_dict
    client = client_for(secretariat)
    url = reverse("visits:appeal_detail", args=[entry.pk])
    refused = client.post(url, {"step": "forward", "to": "prosecutor", "on": today.isoformat()})
    assert refused.status_code == 422
    entry.refresh_from_db()
    assert entry.forwarded_to == "" and entry.status == Appeal.Status.REGISTERED
    with pytest.raises(ValidationError):
        appeal_record_outcome(actor=secretariat, appeal=entry, outcome="Ответ получен.", on=today)

    done = client.post(
        url, {"step": "forward", "to": "commissioner", "on": today.isoformat(), "reference": "03-12/7"}
    )  # fmt: skip
    assert done.status_code == 302
    entry.refresh_from_db()
    assert (entry.forwarded_to, entry.forwarded_on, entry.reference) == (
        "commissioner",
        today,
        "03-12/7",
    )
    assert entry.status == Appeal.Status.FORWARDED and entry.handled_by == secretariat
    client.post(url, {"step": "outcome", "outcome": "Уполномоченный направил запрос в департамент.", "on": today.isoformat()})  # fmt: skip
    entry.refresh_from_db()
    assert entry.status == Appeal.Status.CLOSED and entry.outcome_on == today
    with pytest.raises(PermissionDenied):
        appeal_forward(actor=member, appeal=entry, to="commissioner", on=today)


def test_the_dashboard_counts_appeals_and_those_forwarded(
    visit: Visit, member: User, secretariat: User, client_for: Callable[[User], Client]
) -> None:
    appeal(visit, member, ["commissioner"])
    appeal(visit, member, ["npm"])
    entry = next(a for a in Appeal.objects.all() if "commissioner" in a.shown_to)
    appeal_forward(actor=secretariat, appeal=entry, to="commissioner", on=timezone.localdate())
    facts_catch_up()
    page = client_for(secretariat).get(reverse("dashboard:indicators"), {"year": "2026"})
    assert page.status_code == 200
    assert page.context["headline"]["appeals"] == {"recorded": 2, "forwarded": 1}
    assert 'id="appeals-figure"' in page.content.decode()
