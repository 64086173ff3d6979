"""The indicators page: who sees what, and figures against counts made independently."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kuzet.conftest import InstitutionFactory
from kuzet.core.policy import Role
from kuzet.dashboard.tests.conftest import in_this_year
from kuzet.dashboard.tests.tables import table
from kuzet.people.models import User
from kuzet.recommendations.models import Recommendation
from kuzet.registry.models import Region
from kuzet.visits.models import Allegation, Interview, Visit

pytestmark = pytest.mark.django_db
S = Visit.Status


@pytest.fixture
def two_regions(
    own_region: Region, other_region: Region, make_visit: Callable[..., Visit]
) -> dict[str, Any]:
    """In our region: 3 visits carried out and 1 planned this year, 1 last year; in the
    other region 2 carried out this year."""
    ours = InstitutionFactory(region=own_region)
    theirs = InstitutionFactory(region=other_region)
    visits = [
        make_visit(ours, in_this_year(1), S.CLOSED),
        make_visit(ours, in_this_year(2), S.UNDER_REVIEW),
        make_visit(ours, in_this_year(3), S.IN_PROGRESS, kind=Visit.Kind.SPECIAL),
        make_visit(ours, in_this_year(12, 20), S.PLANNED),
        make_visit(ours, in_this_year(5) - timedelta(days=365), S.CLOSED),
        make_visit(theirs, in_this_year(4), S.CLOSED),
        make_visit(theirs, in_this_year(5), S.SENT),
    ]
    return {"ours": ours, "theirs": theirs, "visits": visits}


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.ADMINISTRATOR])
def test_roles_without_the_dashboard_are_refused(
    role: Role, make_user: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    client = client_for(make_user(role))
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/dashboard/chart/visits_by_region.svg").status_code == 403
    assert client.get("/dashboard/data/visits_by_region.csv").status_code == 403
    assert client.get("/dashboard/planning/").status_code == 403


def test_secretariat_counts_every_region_against_independent_counts(
    two_regions: dict[str, Any], secretariat: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(secretariat)
    year = timezone.localdate().year
    expected_scheduled = Visit.objects.filter(planned_date__year=year).count()
    expected_done = (
        Visit.objects.filter(planned_date__year=year).exclude(status__in=[S.PLANNED]).count()
    )
    response = client.get("/dashboard/")
    assert response.status_code == 200
    headline = response.context["headline"]
    assert (headline["scheduled"], headline["carried_out"]) == (expected_scheduled, expected_done)
    assert (expected_scheduled, expected_done) == (6, 5)
    by_region = table(client, "visits_by_region")
    own, other = two_regions["ours"].region.name, two_regions["theirs"].region.name
    # columns: in the annual plan, scheduled, carried out
    assert by_region[own] == ["0", "4", "3"]
    assert by_region[other] == ["0", "2", "2"]
    by_kind = table(client, "visits_by_kind")
    assert by_kind[str(Visit.Kind.SPECIAL.label)] == ["1", "1"]


def test_coordinator_sees_only_their_region(
    two_regions: dict[str, Any],
    coordinator: User,
    other_region: Region,
    client_for: Callable[[User], Client],
) -> None:
    client = client_for(coordinator)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert (
        response.context["headline"]["scheduled"],
        response.context["headline"]["carried_out"],
    ) == (4, 3)
    assert set(table(client, "visits_by_region")) == {two_regions["ours"].region.name}
    # Asking for another region is refused as a filter, not answered.
    response = client.get("/dashboard/", {"region": other_region.pk})
    assert response.status_code == 200
    assert response.context["problems"]
    assert response.context["headline"]["scheduled"] == 4
    assert other_region.name not in table(client, "coverage_by_region", region=str(other_region.pk))


def test_group_leader_sees_their_region_figures(
    two_regions: dict[str, Any],
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    client = client_for(make_user(Role.GROUP_LEADER))
    response = client.get("/dashboard/")
    assert response.status_code == 200
    # 4 visits, none of them the leader's: a small count withheld (test_small_counts.py).
    assert response.context["headline"]["scheduled"] == "< 5"
    # The visits behind the figure: counted, but listed only where the leader is on the team.
    drill = client.get("/dashboard/visits/")
    assert drill.context["counted"] == 4
    assert drill.context["page"].paginator.count == 0


def test_filters_period_kind_and_type(
    two_regions: dict[str, Any], secretariat: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(secretariat)
    year = timezone.localdate().year
    last_year = client.get(
        "/dashboard/", {"start": f"{year - 1}-01-01", "end": f"{year - 1}-12-31"}
    )
    assert last_year.context["headline"]["scheduled"] == 1
    special = client.get("/dashboard/", {"kind": "special"})
    assert special.context["headline"]["scheduled"] == 1
    assert special.context["headline"]["planned"] is None  # the plan is of regular visits
    by_type = table(client, "visits_by_type", type=str(two_regions["ours"].type_id))
    assert list(by_type.values()) == [["0", "6", "5"]]


def test_a_visit_recorded_a_moment_ago_is_counted(
    two_regions: dict[str, Any],
    secretariat: User,
    client_for: Callable[[User], Client],
    make_visit: Callable[..., Visit],
) -> None:
    client = client_for(secretariat)
    before = client.get("/dashboard/").context["headline"]["carried_out"]
    make_visit(two_regions["theirs"], in_this_year(6), S.DEBRIEFED)
    assert client.get("/dashboard/").context["headline"]["carried_out"] == before + 1


def test_coverage_counts_active_institutions_by_last_visit(
    own_region: Region, secretariat: User, client_for: Callable[[User], Client]
) -> None:
    today = timezone.localdate()
    InstitutionFactory(region=own_region, last_visited_on=today - timedelta(days=10))
    InstitutionFactory(region=own_region, last_visited_on=today - timedelta(days=200))
    InstitutionFactory(region=own_region, last_visited_on=today - timedelta(days=800))
    InstitutionFactory(region=own_region, last_visited_on=None)
    InstitutionFactory(region=own_region, last_visited_on=None, status="closed", closed_on=today)
    client = client_for(secretariat)
    response = client.get("/dashboard/", {"region": own_region.pk})
    assert response.context["headline"]["coverage"] == {
        "total": 4,
        "recent": 2,
        "never": 1,
        "percent": 50,
    }
    days = table(client, "coverage_days", region=str(own_region.pk))
    assert [v[0] for v in days.values()] == ["1", "0", "1", "0", "1", "0", "1"]
    assert "inventory/?status=active&amp;sort=-days&amp;region=" in response.content.decode()


def test_interviews_and_allegations_are_counted_without_identities(
    two_regions: dict[str, Any],
    secretariat: User,
    client_for: Callable[[User], Client],
    make_interview: Callable[..., Interview],
    make_allegation: Callable[..., Allegation],
) -> None:
    visit = two_regions["visits"][0]
    first = make_interview(visit, "A-01", full_name="Жанибеков Ержан Болатович",
                           vulnerabilities=["minor"], reprisal_risk="high",
                           follow_up_on=visit.planned_date, fears_reprisals=True)  # fmt: skip
    # Surnames no generated user can have (users get Faker names, Петрова among them, and the
    # signed-in user's name is on every page).
    second = make_interview(visit, "A-02", full_name="Тайназарова Секрета Сергеевна")
    make_allegation(first, Allegation.Kind.ILL_TREATMENT)
    make_allegation(first, Allegation.Kind.REPRISAL)
    make_allegation(second, Allegation.Kind.ILL_TREATMENT)
    client = client_for(secretariat)
    response = client.get("/dashboard/")
    assert response.context["headline"]["allegations"] == {"ill": 2, "reprisal": 1}
    interviews = table(client, "interviews")
    assert [v[0] for v in interviews.values()] == ["2", "2", "0", "0", "1", "1", "1"]
    page = response.content.decode()
    for key in ("interviews", "allegations"):
        page += client.get(f"/dashboard/data/{key}.csv").content.decode()
        page += client.get(f"/dashboard/chart/{key}.svg").content.decode()
    page += client.get("/dashboard/visits/", {"has": "reprisal_risk"}).content.decode()
    for secret in ("Жанибеков", "Тайназарова", "A-01", "A-02"):
        assert secret not in page
    drill = client.get("/dashboard/visits/", {"has": "reprisal"})
    assert drill.context["counted"] == 1


def test_recommendations_by_status_addressee_overdue_and_rate_link_to_the_list(
    two_regions: dict[str, Any],
    secretariat: User,
    client_for: Callable[[User], Client],
    recommend: Callable[..., Recommendation],
) -> None:
    R = Recommendation.Status
    today = timezone.localdate()
    ours, theirs = two_regions["visits"][0], two_regions["visits"][5]
    recommend(ours, R.IMPLEMENTED)
    recommend(ours, R.ISSUED, deadline=today - timedelta(days=1))  # overdue
    recommend(ours, R.IN_PROGRESS, deadline=today + timedelta(days=30))
    recommend(ours, R.NO_LONGER_RELEVANT)
    recommend(theirs, R.IMPLEMENTED, deadline=today - timedelta(days=5))  # done: not overdue
    client = client_for(secretariat)
    headline = client.get("/dashboard/").context["headline"]
    assert headline["recommendations"] == {"total": 5, "overdue": 1}
    assert headline["implementation_rate"] == 50  # 2 implemented of 4 still relevant
    statuses = table(client, "recommendations_by_status")
    assert statuses[str(R.IMPLEMENTED.label)] == ["2"]
    by_addressee = table(client, "recommendations_by_addressee")
    assert by_addressee["Акимат (тест)"] == ["5", "2", "1", "2", "50"]
    # The list behind the region's overdue figure shows the same one recommendation.
    region = two_regions["ours"].region
    year = today.year
    listed = client.get("/recommendations/", {"overdue": "1", "region": region.pk,
                                              "start": f"{year}-01-01", "end": f"{year}-12-31"})  # fmt: skip
    assert listed.context["page"].paginator.count == 1
    other = client.get("/recommendations/", {"region": two_regions["theirs"].region_id})
    assert other.context["page"].paginator.count == 1


def test_a_table_download_never_holds_a_live_formula(
    two_regions: dict[str, Any],
    secretariat: User,
    client_for: Callable[[User], Client],
    recommend: Callable[..., Recommendation],
    addressee: Any,
) -> None:
    addressee.name_ru = '=HYPERLINK("http://example.org","Акимат")'
    addressee.save()
    recommend(two_regions["visits"][0], Recommendation.Status.ISSUED)
    by_addressee = table(client_for(secretariat), "recommendations_by_addressee")
    assert "'" + addressee.name_ru in by_addressee
    assert not any(label.startswith("=") for label in by_addressee)


def test_noncompliant_items_are_ranked_and_labelled_in_the_users_language(
    two_regions: dict[str, Any],
    secretariat: User,
    client_for: Callable[[User], Client],
    answer: Callable[..., Any],
) -> None:
    v1, v2, v3 = two_regions["visits"][:3]
    answer(v1, light="non_compliant", water="non_compliant")
    answer(v2, light="non_compliant", water="compliant")
    answer(v3, light="partly", water="not_checked")
    client = client_for(secretariat)
    client.cookies["django_language"] = "en"
    items = table(client, "noncompliant_items")
    assert list(items) == [
        "Is there daylight in the cells? — Тест",
        "Is there drinking water? — Тест",
    ]
    assert items["Is there daylight in the cells? — Тест"] == ["2", "3", "67"]
    assert items["Is there drinking water? — Тест"] == ["1", "2", "50"]
    client.cookies["django_language"] = "kk"
    assert "Камераларда күндізгі жарық бар ма? — Тест" in table(client, "noncompliant_items")
    drill = client.get(
        "/dashboard/visits/", {"item": f"{v1.responses.get().version.instrument_id}:water"}
    )
    assert drill.context["counted"] == 1


def test_trends_by_month_count_each_month(
    two_regions: dict[str, Any], secretariat: User, client_for: Callable[[User], Client]
) -> None:
    trend = table(client_for(secretariat), "trend_months")
    assert len(trend) == 12
    months = list(trend.values())
    assert [m[0] for m in months[:5]] == ["1", "1", "1", "1", "1"]
    assert months[11][:2] == ["1", "0"]  # December: planned, not yet carried out


def test_charts_are_svg_images(
    two_regions: dict[str, Any], secretariat: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(secretariat)
    for key in ("trend_months", "visits_by_region", "coverage_days", "noncompliant_items"):
        response = client.get(f"/dashboard/chart/{key}.svg")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        assert b"<svg" in response.content
    page = client.get("/dashboard/").content.decode()
    assert "/dashboard/chart/visits_by_region.svg?" in page
    assert "<script" not in page.split("<main>", 1)[1]


def test_a_chart_shows_a_record_written_a_moment_ago(
    two_regions: dict[str, Any],
    secretariat: User,
    client_for: Callable[[User], Client],
    make_visit: Callable[..., Visit],
) -> None:
    client = client_for(secretariat)
    before = client.get("/dashboard/chart/visits_by_kind.svg").content
    assert client.get("/dashboard/chart/visits_by_kind.svg").content == before  # same data
    make_visit(two_regions["theirs"], in_this_year(3), S.IN_PROGRESS, kind=Visit.Kind.SPECIAL)
    after = client.get("/dashboard/chart/visits_by_kind.svg").content
    assert after != before


@pytest.mark.parametrize(
    "query",
    [
        {"start": "not-a-date"},
        {"start": "2030-01-01", "end": "2020-01-01"},
        {"region": "999999"},
        {"department": "x", "type": "-1", "kind": "picnic"},
        {"start": "0001-01-01", "end": "9999-12-31"},
    ],
)
def test_bad_filters_give_a_page_that_says_so(
    query: dict[str, str], secretariat: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(secretariat)
    response = client.get("/dashboard/", query)
    assert response.status_code == 200
    assert response.context["problems"]
    for path in (
        "/dashboard/chart/trend_months.svg",
        "/dashboard/data/trend_months.csv",
        "/dashboard/visits/",
    ):
        assert client.get(path, query).status_code == 200


def test_empty_period_and_region_without_institutions_are_valid_pages(
    secretariat: User, other_region: Region, client_for: Callable[[User], Client]
) -> None:
    client = client_for(secretariat)
    response = client.get(
        "/dashboard/", {"region": other_region.pk, "start": "2001-01-01", "end": "2001-01-31"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert (
        "No active institution matches these filters." in text
        or response.context["no_institutions"]
    )
    assert response.context["headline"]["coverage"]["percent"] is None
    assert client.get("/dashboard/chart/nothing.svg").status_code == 404
    planning = client.get("/dashboard/planning/", {"region": other_region.pk, "year": "abc"})
    assert planning.status_code == 200


def test_the_map_colours_every_region_in_scope(
    own_region: Region, secretariat: User, coordinator: User, client_for: Callable[[User], Client]
) -> None:
    InstitutionFactory(region=own_region, last_visited_on=timezone.localdate())
    cells = client_for(secretariat).get("/dashboard/").context["map_cells"]
    assert len(cells) == Region.objects.count() == 20
    ours = [c for c in cells if c.figure == "100%"]
    assert len(ours) == 1
    assert f"region={own_region.pk}" in ours[0].href
    assert len(client_for(coordinator).get("/dashboard/").context["map_cells"]) == 1


def test_dashboard_link_in_the_menu_follows_the_policy(
    secretariat: User, participant: User, client_for: Callable[[User], Client]
) -> None:
    assert 'href="/dashboard/"' in client_for(secretariat).get("/inventory/").content.decode()
    assert 'href="/dashboard/"' not in client_for(participant).get("/inventory/").content.decode()


def test_a_few_visits_the_viewer_cannot_open_are_not_counted_exactly(
    two_regions: dict[str, Any],
    make_user: Callable[..., User],
    secretariat: User,
    client_for: Callable[[User], Client],
) -> None:
    # The group leader opens none of the 4 visits counted: "fewer than 5", not "4".
    drill = client_for(make_user(Role.GROUP_LEADER)).get("/dashboard/visits/")
    page = drill.content.decode()
    assert "<strong>4</strong>" not in page
    shown = drill.context["counted_shown"]
    assert isinstance(shown, str) and "5" in shown and "4" not in shown
    assert f"<strong>{shown}</strong>" in page
    # The secretariat may open every visit counted: the exact number.
    exact = client_for(secretariat).get("/dashboard/visits/")
    assert f"<strong>{exact.context['counted']}</strong>" in exact.content.decode()
    assert exact.context["counted_shown"] == exact.context["counted"]
