"""A follow-up visit shows what the addressees claim: on its workspace, the answered
recommendations of earlier visits to the institution, each with its addressee's latest
answer, action plan and status, for the visit's team and reviewers."""

from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from kuzet.core.policy import Role
from kuzet.people.models import User
from kuzet.portal.services import answer_assess, answer_record
from kuzet.portal.tests.conftest import OTHER_TEXT, TEXT
from kuzet.recommendations.models import Recommendation
from kuzet.visits.models import TeamMember, Visit
from kuzet.visits.services.planning import TeamPlace, visit_plan

pytestmark = pytest.mark.django_db
PLAN_STEP = "Заменить стеклоблоки окнами в камерах № 2 и № 5"
ANSWER = "Смета утверждена, подрядчик выбран."


@pytest.fixture
def follow_up(
    recommendations: tuple[Recommendation, Recommendation],
    official: User,
    secretariat: User,
    coordinator: User,
    make_user: Callable[..., User],
) -> dict[str, object]:
    """The police answered the first recommendation with a plan, then reported progress; the
    NPM assessed it. The other stays unanswered. A follow-up visit goes to the institution
    with a newcomer who was not on the first visit's team."""
    ours, _theirs = recommendations
    first = answer_record(
        actor=official, recommendation=ours, position="accepted", text="Принимаем.",
        plan=[(PLAN_STEP, date(2027, 5, 1))],
    )  # fmt: skip
    answer_assess(actor=secretariat, answer=first, grade="more", comment="Приложите смету.")
    answer_record(actor=official, recommendation=ours, position="progress", text=ANSWER)
    newcomer = make_user(Role.PARTICIPANT, username="newcomer")
    new_leader = make_user(Role.GROUP_LEADER, username="new-leader")
    visit = visit_plan(
        actor=coordinator,
        institution=ours.visit.institution,
        planned_date=date(2027, 2, 1),
        team=[
            TeamPlace(new_leader, TeamMember.Role.LEADER),
            TeamPlace(newcomer, TeamMember.Role.MEMBER),
        ],
        kind=Visit.Kind.FOLLOW_UP,
    )
    return {"visit": visit, "newcomer": newcomer, "earlier": ours.visit, "ours": ours}


def _page(client: Client, visit: object) -> str:
    response = client.get(reverse("visits:visit_detail", args=[visit.pk]))  # type: ignore[attr-defined]
    assert response.status_code == 200
    return response.content.decode()


def test_the_follow_up_team_sees_the_latest_answer_plan_and_status(
    follow_up: dict[str, object], client_for: Callable[[User], Client]
) -> None:
    html = _page(client_for(follow_up["newcomer"]), follow_up["visit"])  # type: ignore[arg-type]
    assert "What the addressees say" in html
    assert TEXT[:40] in html
    assert ANSWER in html and "progress report" in html  # the latest answer, not the first
    assert "Принимаем." not in html
    assert PLAN_STEP in html  # the plan of the earlier answer: the latest one with a plan
    assert "more information requested" in html  # the NPM's latest assessment
    ours = follow_up["ours"]
    ours.refresh_from_db()  # type: ignore[attr-defined]
    assert str(ours.get_status_display()) in html  # type: ignore[attr-defined]
    assert OTHER_TEXT[:40] not in html  # unanswered: nothing to verify from the addressee
    # The newcomer may not open the first visit: the recommendation is not a link for them.
    link = reverse("recommendations:recommendation_detail", args=[ours.pk])  # type: ignore[attr-defined]
    assert link not in html


def test_reviewers_see_the_claims_with_links_and_outsiders_get_404(
    follow_up: dict[str, object],
    secretariat: User,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    html = _page(client_for(secretariat), follow_up["visit"])
    ours = follow_up["ours"]
    assert reverse("recommendations:recommendation_detail", args=[ours.pk]) in html  # type: ignore[attr-defined]
    assert ANSWER in html
    outsider = client_for(make_user(Role.PARTICIPANT, username="outsider"))
    url = reverse("visits:visit_detail", args=[follow_up["visit"].pk])  # type: ignore[attr-defined]
    assert outsider.get(url).status_code == 404


def test_the_visit_that_issued_them_does_not_list_its_own_recommendations(
    follow_up: dict[str, object], secretariat: User, client_for: Callable[[User], Client]
) -> None:
    html = _page(client_for(secretariat), follow_up["earlier"])
    assert "What the addressees say" not in html
