"""Small numbers on the dashboard: a count that may include visits the viewer cannot open is
shown as "< 5" from 1 to 4 (table, chart, CSV, map, headline); counts made only of the
viewer's own visits, and every count a national role sees, stay exact."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kuzet.conftest import InstitutionFactory
from kuzet.core.policy import Role
from kuzet.dashboard.tests.conftest import in_this_year
from kuzet.dashboard.tests.tables import table
from kuzet.people.models import User
from kuzet.registry.models import Institution, Region
from kuzet.visits.models import Allegation, Interview, TeamMember, Visit

pytestmark = pytest.mark.django_db
S = Visit.Status


@pytest.fixture
def one_day(
    own_region: Region,
    make_user: Callable[..., User],
    make_visit: Callable[..., Visit],
    make_interview: Callable[..., Interview],
    make_allegation: Callable[..., Allegation],
) -> dict[str, Any]:
    """One day in our region: the leader's team visits one institution (no allegation),
    another team visits another and records an allegation of ill-treatment. Another day the
    leader's own team records one."""
    leader = make_user(Role.GROUP_LEADER)
    ours = make_visit(InstitutionFactory(region=own_region), in_this_year(3, 5), S.CLOSED)
    theirs = make_visit(InstitutionFactory(region=own_region), in_this_year(3, 5), S.CLOSED)
    own_later = make_visit(InstitutionFactory(region=own_region), in_this_year(4, 7), S.CLOSED)
    for visit in (ours, own_later):
        TeamMember.objects.create(visit=visit, user=leader, role=TeamMember.Role.LEADER)
    for visit in (ours, theirs, own_later):  # as the visit services keep it
        Institution.objects.filter(pk=visit.institution_id).update(
            last_visited_on=visit.planned_date
        )
    make_allegation(make_interview(theirs, "B-01"), Allegation.Kind.ILL_TREATMENT)
    make_allegation(make_interview(own_later, "C-01"), Allegation.Kind.ILL_TREATMENT)
    return {"leader": leader, "region": own_region}


def _day(region: Region, month: int, day: int) -> dict[str, str]:
    date = in_this_year(month, day).isoformat()
    return {"start": date, "end": date, "region": str(region.pk)}


def test_a_group_leader_cannot_learn_a_small_count_of_another_teams_allegations(
    one_day: dict[str, Any], client_for: Callable[[User], Client]
) -> None:
    client = client_for(one_day["leader"])
    query = _day(one_day["region"], 3, 5)
    # The table as downloaded, the page, the chart and the headline: "< 5", never "1".
    allegations = table(client, "allegations", **query)
    assert allegations[str(Allegation.Kind.ILL_TREATMENT.label)] == ["< 5"]
    interviews = table(client, "interviews", **query)
    assert next(iter(interviews.values())) == ["< 5"]  # the interviews, all kinds
    by_region = table(client, "visits_by_region", **query)
    assert by_region[one_day["region"].name][1:] == ["< 5", "< 5"]  # the plan stays exact
    page = client.get("/dashboard/", query)
    assert page.context["headline"]["allegations"]["ill"] == "< 5"
    assert page.context["headline"]["scheduled"] == "< 5"
    html = page.content.decode()
    assert "&lt; 5" in html
    chart = client.get("/dashboard/chart/allegations.svg", query).content.decode()
    assert "&lt; 5" in chart
    # The map: the region's cell says "< 5 visited", not a percentage that gives it back.
    cells = {cell.href: cell for cell in page.context["map_cells"]}
    cell = next(c for c in cells.values() if c.in_scope and c.href)
    assert "< 5" in cell.figure and "%" not in cell.figure
    # The zero stays a zero: it reveals nobody.
    assert allegations[str(Allegation.Kind.REPRISAL.label)] == ["0"]


def test_counts_made_only_of_the_viewers_own_visits_stay_exact(
    one_day: dict[str, Any], client_for: Callable[[User], Client]
) -> None:
    client = client_for(one_day["leader"])
    query = _day(one_day["region"], 4, 7)  # only the leader's own visit that day
    assert table(client, "allegations", **query)[str(Allegation.Kind.ILL_TREATMENT.label)] == ["1"]
    page = client.get("/dashboard/", query)
    assert page.context["headline"]["allegations"]["ill"] == 1
    assert page.context["headline"]["scheduled"] == 1
    assert (
        "&lt; 5" not in page.context["tables"][9].title
    )  # (the page itself withholds the coverage: it counts every visit ever)


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.COUNCIL, Role.AUDITOR, Role.COORDINATOR])
def test_national_roles_and_the_coordinator_see_exact_figures(
    one_day: dict[str, Any],
    role: Role,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    client = client_for(make_user(role))
    query = _day(one_day["region"], 3, 5)
    assert table(client, "allegations", **query)[str(Allegation.Kind.ILL_TREATMENT.label)] == ["1"]
    page = client.get("/dashboard/", query)
    assert page.context["headline"]["allegations"]["ill"] == 1
    assert page.context["headline"]["scheduled"] == 2
    assert "&lt; 5" not in page.content.decode()
    chart = client.get("/dashboard/chart/allegations.svg", query).content.decode()
    assert "&lt; 5" not in chart
