"""The home page ("my work"): what waits for each role, only what the person may open, and
a fixed number of queries however much waits."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kuzet.conftest import PASSWORD, InstitutionFactory
from kuzet.core.policy import Role
from kuzet.people.models import RoleChangeRequest, User
from kuzet.people.roles import request_role_change
from kuzet.recommendations.models import Addressee, Recommendation
from kuzet.recommendations.services import recommendation_record
from kuzet.registry.models import Region
from kuzet.visits.models import TeamMember, Visit
from kuzet.visits.services.lifecycle import visit_transition
from kuzet.visits.services.planning import TeamPlace, visit_plan
from kuzet.visits.services.review import review_comment_add

pytestmark = pytest.mark.django_db
S = Visit.Status
ADVICE = "Обеспечить естественное освещение в камере № {n}, заменив стеклоблоки окнами."
TO_REVIEW = (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING, S.UNDER_REVIEW)


def walk(visit: Visit, actor: User, statuses: tuple[str, ...]) -> Visit:
    for status in statuses:
        visit = visit_transition(actor=actor, visit=visit, to_status=status)
    return visit


def home(client: Client) -> str:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def section(page: str, key: str) -> str:
    """The HTML of one section of the home page ('' when it is not there)."""
    start = page.find(f'id="{key}"')
    if start < 0:
        return ""
    end = page.find("</section>", start)
    return page[start:end]


def test_the_home_page_asks_to_sign_in_and_is_where_sign_in_leads(
    client: Client, participant: User
) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    signed = client.post("/accounts/login/", {"username": "alia", "password": PASSWORD})
    assert signed["Location"] == "/"
    assert "My work" in home(client)


def test_a_participant_sees_their_visits_with_the_next_step_and_not_other_teams(
    visit: Visit,
    member: User,
    coordinator: User,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    others = visit_plan(
        actor=coordinator,
        institution=InstitutionFactory(name_ru="ИВС чужой группы"),
        planned_date=date(2026, 12, 2),
        team=[
            TeamPlace(make_user(Role.GROUP_LEADER), TeamMember.Role.LEADER),
            TeamPlace(make_user(Role.PARTICIPANT), TeamMember.Role.MEMBER),
        ],
    )
    page = home(client_for(member))
    mine = section(page, "visits")
    assert "ИВС Алмалинского района" in mine
    assert f'href="/visits/{visit.pk}/"' in mine
    assert "Start the preparation" in mine
    assert others.institution.name_ru not in page
    assert section(page, "reviews") == ""  # a participant does not review


def test_a_returned_visit_shows_the_reviewers_reason_and_open_comments_to_its_team(
    visit: Visit,
    leader: User,
    member: User,
    coordinator: User,
    client_for: Callable[[User], Client],
) -> None:
    visit = walk(visit, leader, TO_REVIEW)
    review_comment_add(actor=coordinator, visit=visit, section="findings", text="Где камера № 4?")
    visit_transition(
        actor=coordinator, visit=visit, to_status=S.RETURNED, comment="Дополните описание камер"
    )
    for person, step in (
        (leader, "resolve the comments and submit again"),
        (member, "the team leader submits"),
    ):
        returned = section(home(client_for(person)), "returned")
        assert "Дополните описание камер" in returned
        assert "Где камера № 4?" in returned
        assert f'href="/visits/{visit.pk}/review/"' in returned
        assert step in returned


def test_reviews_wait_for_the_regions_coordinator_and_the_secretariat_never_the_team(
    visit: Visit,
    leader: User,
    coordinator: User,
    secretariat: User,
    make_user: Callable[..., User],
    other_region: Region,
    client_for: Callable[[User], Client],
) -> None:
    far = make_user(Role.COORDINATOR, region=other_region, username="far")
    walk(visit, leader, TO_REVIEW)
    link = f'href="/visits/{visit.pk}/review/"'
    assert link in section(home(client_for(coordinator)), "reviews")
    assert link in section(home(client_for(secretariat)), "reviews")
    assert link not in home(client_for(far))
    assert section(home(client_for(leader)), "reviews") == ""


def test_the_secretariat_sends_approved_reports_and_the_council_reads_them(
    visit: Visit,
    leader: User,
    secretariat: User,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    council = make_user(Role.COUNCIL, username="council")
    visit = walk(visit, leader, TO_REVIEW)
    visit_transition(
        actor=secretariat,
        visit=visit,
        to_status=S.APPROVED,
        comment="Approved over the test visit's warnings.",
    )
    assert f'href="/visits/{visit.pk}/review/"' in section(home(client_for(secretariat)), "to-send")
    council_page = home(client_for(council))
    assert f'href="/reports/visit/{visit.pk}/"' in section(council_page, "approved")
    assert section(council_page, "to-send") == ""


def issued(*recommendations: Recommendation) -> None:
    """Mark drafts issued, as sending their visit's report does (``visit_send``; the visits
    of these tests are not taken through the whole lifecycle)."""
    Recommendation.objects.filter(pk__in=[r.pk for r in recommendations]).update(
        status=Recommendation.Status.ISSUED
    )


def test_recommendations_due_or_overdue_wait_for_those_who_follow_them_up(
    visit: Visit,
    leader: User,
    member: User,
    coordinator: User,
    client_for: Callable[[User], Client],
) -> None:
    addressee = Addressee.objects.get(code="dept-mia-police")
    today = timezone.localdate()
    overdue, due, later = (
        recommendation_record(
            actor=leader,
            visit=visit,
            text_ru=ADVICE.format(n=n),
            addressee=addressee,
            theme="material_conditions",
            deadline=today + timedelta(days=days),
        )
        for n, days in ((1, -3), (2, 5), (3, 90))
    )
    issued(overdue, due, later)
    page = section(home(client_for(coordinator)), "recommendations")
    assert f'href="/recommendations/{overdue.pk}/"' in page
    assert "overdue by 3 days" in page
    assert f'href="/recommendations/{due.pk}/"' in page
    assert f'href="/recommendations/{later.pk}/"' not in page
    assert section(home(client_for(member)), "recommendations") == ""


def test_a_team_sees_the_open_recommendations_it_verifies_on_its_coming_visit(
    visit: Visit,
    leader: User,
    member: User,
    coordinator: User,
    client_for: Callable[[User], Client],
) -> None:
    addressee = Addressee.objects.get(code="dept-mia-police")
    earlier = visit_plan(
        actor=coordinator, institution=visit.institution, planned_date=date(2026, 1, 10),
        team=[TeamPlace(leader, TeamMember.Role.LEADER), TeamPlace(member, TeamMember.Role.MEMBER)],
    )  # fmt: skip
    issued(*(
        recommendation_record(
            actor=leader, visit=earlier, text_ru=ADVICE.format(n=n), addressee=addressee,
            theme="material_conditions",
        )
        for n in (1, 2)
    ))  # fmt: skip
    verify = section(home(client_for(member)), "verify")
    assert f'href="/visits/{visit.pk}/"' in verify
    assert "2 open recommendations" in verify


def test_an_administrator_confirms_another_administrators_role_change(
    administrator: User,
    participant: User,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    second = make_user(Role.ADMINISTRATOR, username="admin2")
    request_role_change(actor=administrator, user=participant, to_role=Role.SECRETARIAT)
    assert RoleChangeRequest.objects.count() == 1
    waiting = section(home(client_for(second)), "role-changes")
    assert "/admin/people/rolechangerequest/" in waiting
    assert str(participant) in waiting
    mine = section(home(client_for(administrator)), "role-changes")
    assert str(participant) not in mine


def test_an_auditor_sees_the_refused_accesses_of_the_week(
    visit: Visit,
    auditor: User,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    stranger = make_user(Role.PARTICIPANT, username="stranger")
    assert client_for(stranger).get(f"/visits/{visit.pk}/").status_code == 404
    refusals = section(home(client_for(auditor)), "refusals")
    assert '<span class="badge work">1</span>' in refusals
    assert "/audit/?action=access_denied" in refusals


# Query counts -----------------------------------------------------------------------------


@dataclass
class Workload:
    """Work of every kind for every role, grown a set at a time."""

    people: dict[str, User]
    coordinator: User
    secretariat: User
    administrator: User
    sets: int = 0
    visits: list[Visit] = field(default_factory=list)

    def grow(self, to: int) -> None:
        addressee = Addressee.objects.get(code="dept-mia-police")
        leader, member = self.people["group_leader"], self.people["participant"]
        today = timezone.localdate()
        for k in range(self.sets + 1, to + 1):
            team = [
                TeamPlace(leader, TeamMember.Role.LEADER),
                TeamPlace(member, TeamMember.Role.MEMBER),
            ]

            def plan(days: int, team: list[TeamPlace] = team) -> Visit:
                return visit_plan(
                    actor=self.coordinator, institution=InstitutionFactory(),
                    planned_date=today + timedelta(days=days), team=team,
                )  # fmt: skip

            plan(10 + k)  # planned
            walk(plan(-k), leader, (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING))
            returned = walk(plan(-20 - k), leader, TO_REVIEW)
            review_comment_add(
                actor=self.coordinator, visit=returned, section="findings", text=f"Замечание {k}"
            )
            visit_transition(
                actor=self.coordinator, visit=returned, to_status=S.RETURNED, comment="Дополнить"
            )
            walk(plan(-30 - k), leader, TO_REVIEW)
            drafting = walk(plan(-40 - k), leader, TO_REVIEW[:-1])
            for n, days in ((1, -k), (2, k), (3, 100)):
                recommendation_record(
                    actor=leader, visit=drafting, text_ru=ADVICE.format(n=n), addressee=addressee,
                    theme="material_conditions", deadline=today + timedelta(days=days),
                )  # fmt: skip
            approved = walk(drafting, leader, (S.UNDER_REVIEW,))
            visit_transition(
                actor=self.secretariat,
                visit=approved,
                to_status=S.APPROVED,
                comment="Approved over warnings.",
            )
            # A coming visit to the same place: its team verifies the recommendations.
            visit_plan(
                actor=self.coordinator, institution=approved.institution,
                planned_date=today + timedelta(days=20 + k), team=team,
            )  # fmt: skip
            newcomer = User.objects.create(username=f"newcomer{k}", role=Role.PARTICIPANT)
            request_role_change(actor=self.administrator, user=newcomer, to_role=Role.SECRETARIAT)
        self.sets = to


def count(client: Client) -> tuple[int, list[str]]:
    client.get("/")  # caches filled once (content types, translations) are not counted
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    return len(captured), [q["sql"] for q in captured.captured_queries]


@pytest.mark.slow
def test_the_home_page_runs_as_many_queries_for_much_work_as_for_little(
    make_user: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    # An addressee's official has the portal, not this page (portal/tests).
    people = {
        role.value: make_user(role, username=f"q-{role.value}")
        for role in Role
        if role != Role.ADDRESSEE
    }
    workload = Workload(
        people=people,
        coordinator=make_user(Role.COORDINATOR, username="q-planner"),
        secretariat=people["secretariat"],
        administrator=make_user(Role.ADMINISTRATOR, username="q-admin2"),
    )
    clients = {name: client_for(user) for name, user in people.items()}
    workload.grow(1)
    small = {name: count(client) for name, client in clients.items()}
    workload.grow(4)
    assert Visit.objects.count() == 4 * 6
    assert Recommendation.objects.count() == 4 * 3
    failures = []
    for name, client in clients.items():
        queries, sql = count(client)
        if queries != small[name][0] or queries > 40:
            failures.append(
                f"{name}: {small[name][0]} queries with 1 set of work, {queries} with 4:\n"
                + "\n".join(sql)
            )
    assert not failures, "\n\n".join(failures)
