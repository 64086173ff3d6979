"""The offline package: scoped by the policy, labels in the request's language, ETag,
a bounded number of queries, no identities, and the OpenAPI document."""

import base64
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kuzet.conftest import InstitutionFactory
from kuzet.core.policy import Role
from kuzet.field.tests.device import API, COMPLETE_ANSWERS, Device
from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.tests.xlsforms import xlsform_publish
from kuzet.people.models import User
from kuzet.recommendations.models import Addressee
from kuzet.recommendations.services import recommendation_record, visit_send
from kuzet.registry.models import InstitutionType, Norm, NormVersion, Region
from kuzet.visits.models import TeamMember, Visit
from kuzet.visits.services.interviews import interview_record
from kuzet.visits.services.planning import TeamPlace, visit_plan
from kuzet.visits.services.responses import response_save, response_start

pytestmark = pytest.mark.django_db
SECRET_NAME = "Секретбек Тайнович Скрытов"


def plan(coordinator: User, team: list[User], **fields: Any) -> Visit:
    places = [TeamPlace(team[0], TeamMember.Role.LEADER)] + [
        TeamPlace(u, TeamMember.Role.MEMBER) for u in team[1:]
    ]
    return visit_plan(
        actor=coordinator,
        institution=fields.pop("institution", None) or InstitutionFactory(),
        planned_date=fields.pop("planned_date", date(2026, 12, 5)),
        team=places,
        **fields,
    )


def test_the_package_holds_the_users_team_visits_that_are_not_locked(
    visit: Visit,
    member: User,
    leader: User,
    coordinator: User,
    make_user: Callable[..., User],
    device_for: Callable[[User], Device],
) -> None:
    colleague = make_user(Role.PARTICIPANT, username="colleague")
    others = plan(coordinator, [leader, colleague])  # same region, member not on the team
    approved = plan(coordinator, [leader, member])
    approved.status = Visit.Status.APPROVED
    approved.save(update_fields=["status"])

    package = device_for(member).package()

    assert [v["id"] for v in package["visits"]] == [visit.pk]
    listed = package["visits"][0]
    assert listed["institution"] == visit.institution_id
    assert listed["planned_date"] == "2026-12-01" and listed["can_record"] is True
    assert listed["kind_label"] == "regular (planned)" and listed["status_label"] == "planned"
    assert {(m["name"], m["role"]) for m in listed["team"]} == {
        (leader.full_name, "leader"),
        (member.full_name, "member"),
    }
    assert package["user"] == {
        "id": member.pk,
        "username": "member",
        "full_name": member.full_name,
        "role": "participant",
    }
    assert others.pk not in [v["id"] for v in package["visits"]]


def test_national_roles_get_no_visits_to_record(
    visit: Visit, secretariat: User, device_for: Callable[[User], Device]
) -> None:
    package = device_for(secretariat).package()
    assert package["visits"] == []


def test_institutions_are_those_of_the_users_regions_and_of_assigned_visits(
    visit: Visit,
    member: User,
    coordinator: User,
    other_region: Region,
    make_user: Callable[..., User],
    secretariat: User,
    device_for: Callable[[User], Device],
) -> None:
    own = InstitutionFactory(name_ru="ИВС без визита")
    elsewhere = InstitutionFactory(name_ru="ИВС в Астане", region=other_region)
    far_visit = visit_plan(
        actor=secretariat,
        institution=InstitutionFactory(name_ru="ИВС Астаны с визитом", region=other_region),
        planned_date=date(2026, 12, 9),
        team=[
            TeamPlace(member, TeamMember.Role.LEADER),
            TeamPlace(make_user(Role.PARTICIPANT, region=other_region), TeamMember.Role.MEMBER),
        ],
        team_outside_region_allowed=True,
    )

    package = device_for(member).package()

    ids = {i["id"] for i in package["institutions"]}
    assert {visit.institution_id, own.pk} <= ids
    assert elsewhere.pk not in ids
    # On the team of a visit outside their regions, a participant may not record on it
    # (core.policy): neither the visit nor its institution comes along.
    assert far_visit.pk not in [v["id"] for v in package["visits"]]
    assert far_visit.institution_id not in ids
    listed = next(i for i in package["institutions"] if i["id"] == own.pk)
    assert listed["type"] == "ivs" and listed["name_ru"] == "ИВС без визита"
    assert listed["capacity"] == 50 and listed["population"] == 40


def test_instruments_are_the_newest_for_the_types_plus_older_ones_in_use(
    visit: Visit,
    member: User,
    leader: User,
    secretariat: User,
    device_for: Callable[[User], Device],
) -> None:
    first = xlsform_publish(secretariat)
    other_type = xlsform_publish(
        secretariat, form_id="sizo-only", form_title="Только СИЗО", kuzet_institution_types="sizo"
    )
    unassigned = xlsform_publish(
        secretariat, form_id="everywhere", form_title="Везде", kuzet_institution_types=""
    )
    response = response_start(actor=leader, visit=visit, version=first)
    response_save(actor=leader, response=response, answers=COMPLETE_ANSWERS, revision=0)
    second = xlsform_publish(secretariat, version="2026.2", form_title="Тестовый чек-лист, ред. 2")

    package = device_for(member).package()

    ids = {i["id"] for i in package["instruments"]}
    assert ids == {second.pk, first.pk, unassigned.pk}
    assert other_type.pk not in ids
    listed = next(i for i in package["instruments"] if i["id"] == second.pk)
    assert listed["code"] == "test-checklist" and listed["number"] == second.number
    assert listed["institution_types"] == ["ivs"] and listed["kind"] == "checklist"
    assert listed["document"] == second.document
    assert (
        next(i for i in package["instruments"] if i["id"] == unassigned.pk)["institution_types"]
        == []
    )
    # The norms the instruments cite come along, in both languages, with their official
    # texts by effective date.
    assert [n["code"] for n in package["norms"]] == ["UN-SMR-13"]
    norm = package["norms"][0]
    assert norm["text_ru"] and norm["title_ru"] and norm["versions"] == []


def test_a_norms_official_texts_come_with_their_effective_dates(
    visit: Visit, member: User, secretariat: User, device_for: Callable[[User], Device]
) -> None:
    xlsform_publish(secretariat)
    norm = Norm.objects.get(code="UN-SMR-13")
    for day, text in (
        (date(2015, 12, 17), "Правило 13, 2015"),
        (date(2030, 1, 1), "Правило 13, 2030"),
    ):
        NormVersion.objects.create(norm=norm, effective_date=day, text_ru=text, text_kk="")

    (listed,) = device_for(member).package()["norms"]

    assert listed["versions"] == [
        {"effective_date": "2015-12-17", "text_ru": "Правило 13, 2015", "text_kk": ""},
        {"effective_date": "2030-01-01", "text_ru": "Правило 13, 2030", "text_kk": ""},
    ]


def test_an_older_version_not_in_use_is_left_out(
    visit: Visit, member: User, secretariat: User, device_for: Callable[[User], Device]
) -> None:
    first = xlsform_publish(secretariat)
    second = xlsform_publish(secretariat, version="2026.2")
    ids = {i["id"] for i in device_for(member).package()["instruments"]}
    assert second.pk in ids and first.pk not in ids


def test_the_package_holds_no_identity_of_anyone_interviewed(
    visit: Visit, member: User, leader: User, device_for: Callable[[User], Device]
) -> None:
    interview_record(
        actor=leader,
        visit=visit,
        kind="individual",
        conducted_at=datetime(2026, 12, 1, 6, 0, tzinfo=UTC),
        person_code="A-07",
        identity={"full_name": SECRET_NAME, "birth_date": "1990-01-01", "cell": "12"},
        consent_interview=True,
        notes="Секретные заметки интервью",
    )
    body = device_for(member).get("/field/package").content.decode()
    assert SECRET_NAME not in body and "Секретные заметки" not in body
    assert "1990-01-01" not in body


def send_and_close(visit: Visit, secretariat: User) -> None:
    """The report sent (its recommendations issued), the visit closed (shortcuts to the
    approved state and past it)."""
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.APPROVED)
    visit_send(actor=secretariat, visit=visit)
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.CLOSED)


def test_previous_visits_and_open_recommendations_of_those_institutions(
    visit: Visit,
    member: User,
    leader: User,
    coordinator: User,
    secretariat: User,
    device_for: Callable[[User], Device],
) -> None:
    earlier = plan(
        coordinator, [leader, member], institution=visit.institution, planned_date=date(2025, 3, 1)
    )
    addressee = Addressee.objects.get(code="dept-mia-police")
    recommendation = recommendation_record(
        actor=leader,
        visit=earlier,
        text_ru="Обеспечить ведение журнала применения силы во всех камерах",
        addressee=addressee,
        theme="safeguards",
    )
    send_and_close(earlier, secretariat)

    package = device_for(member).package()

    assert [p["id"] for p in package["previous_visits"]] == [earlier.pk]
    assert package["previous_visits"][0]["status_label"] == "closed"
    assert package["previous_visits"][0]["institution"] == visit.institution_id
    [listed] = package["open_recommendations"]
    assert listed["id"] == recommendation.pk and listed["visit"] == earlier.pk
    assert listed["addressee"] == addressee.name and listed["status_label"] == "issued"
    assert {"id": addressee.pk, "name": addressee.name} in package["addressees"]
    assert earlier.pk not in [v["id"] for v in package["visits"]]  # closed: locked


def test_previous_visits_and_recommendations_are_only_those_the_web_opens_for_the_user(
    visit: Visit,
    member: User,
    leader: User,
    coordinator: User,
    secretariat: User,
    make_user: Callable[..., User],
    device_for: Callable[[User], Device],
    client_for: Callable[[User], Client],
) -> None:
    """Another team's earlier visit to the same place, in the same region, is not the
    participant's to see on the web, so it is not in their package either."""
    addressee = Addressee.objects.get(code="dept-mia-police")
    ours = plan(
        coordinator, [leader, member], institution=visit.institution, planned_date=date(2025, 3, 1)
    )
    other_leader = make_user(Role.GROUP_LEADER, username="other-leader")
    other_member = make_user(Role.PARTICIPANT, username="other-member")
    theirs = plan(
        coordinator,
        [other_leader, other_member],
        institution=visit.institution,
        planned_date=date(2025, 6, 1),
    )
    for earlier, author in ((ours, leader), (theirs, other_leader)):
        recommendation_record(
            actor=author,
            visit=earlier,
            text_ru=f"Обеспечить ведение журнала применения силы (визит {earlier.pk})",
            addressee=addressee,
            theme="safeguards",
        )
        send_and_close(earlier, secretariat)

    package = device_for(member).package()

    assert [p["id"] for p in package["previous_visits"]] == [ours.pk]
    assert [r["visit"] for r in package["open_recommendations"]] == [ours.pk]
    web = client_for(member)
    assert web.get(f"/visits/{theirs.pk}/").status_code in (403, 404)
    for listed in package["previous_visits"]:
        assert web.get(f"/visits/{listed['id']}/").status_code == 200
    for listed in package["open_recommendations"]:
        assert web.get(f"/recommendations/{listed['id']}/").status_code == 200
    # The other team sees its own.
    assert {r["visit"] for r in device_for(other_member).package()["open_recommendations"]} == {
        theirs.pk
    }


def test_choices_rules_and_the_server_key(
    member: User, server_key: Any, device_for: Callable[[User], Device]
) -> None:
    package = device_for(member).package()

    assert ["individual", "private, individual"] in package["choices"]["interview_kinds"]
    assert ["beating", "beating"] in package["choices"]["methods"]
    assert set(package["choices"]) == {
        "interview_kinds", "vulnerabilities", "reprisal_risks", "themes", "sources",
        "severities", "obstacles", "allegation_kinds", "perpetrators", "methods",
        "referrals", "extents", "recommendation_levels", "priorities",
    }  # fmt: skip
    assert package["rules"]["finding_min_words"] == 8
    assert package["rules"]["recommendation_min_words"] == 6
    assert package["rules"]["person_code_pattern"].startswith("^")
    quality = package["rules"]["text_quality"]  # kuzet/quality's rules for quality/texts.js
    assert {"settings", "lexicons", "messages", "version"} <= set(quality)
    assert any(["мер*"] in phrase for phrase in quality["lexicons"]["stock_recommendation"])
    assert "%(phrase)s" in quality["messages"]["finding"]["standard_answer"]
    assert package["rules"]["text_blocking"] == []
    der = base64.b64decode(package["server_key"]["spki"])
    assert package["server_key"]["kid"] == hashlib.sha256(der).hexdigest()[:16]
    private = serialization.load_pem_private_key(server_key.read_bytes(), password=None)
    assert der == private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_labels_follow_accept_language(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    device.language = "ru"
    russian = device.get("/field/package").json()
    assert russian["visits"][0]["status_label"] == "запланировано"
    device.language = "kk, ru;q=0.5"
    kazakh = device.get("/field/package")
    assert kazakh.json()["visits"][0]["status_label"] != "запланировано"
    assert kazakh["ETag"] != device.get("/field/package", HTTP_ACCEPT_LANGUAGE="ru")["ETag"]


def test_an_unchanged_package_is_304_by_its_etag(
    visit: Visit,
    member: User,
    leader: User,
    coordinator: User,
    device_for: Callable[[User], Device],
) -> None:
    device = device_for(member)
    first = device.get("/field/package")
    etag = first["ETag"]
    assert etag.startswith('"') and first["Cache-Control"] == "private, no-cache"

    unchanged = device.get("/field/package", HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged["ETag"] == etag

    plan(coordinator, [leader, member])
    changed = device.get("/field/package", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_the_package_is_read_with_a_bounded_number_of_queries(
    member: User,
    leader: User,
    coordinator: User,
    secretariat: User,
    device_for: Callable[[User], Device],
) -> None:
    xlsform_publish(secretariat)
    addressee = Addressee.objects.get(code="dept-mia-police")
    device = device_for(member)

    def add_visit(day: int) -> None:
        visit = plan(coordinator, [leader, member], planned_date=date(2026, 12, day))
        earlier = plan(
            coordinator,
            [leader, member],
            institution=visit.institution,
            planned_date=date(2025, 1, day),
        )
        recommendation_record(
            actor=leader,
            visit=earlier,
            text_ru="Обеспечить ведение журнала применения силы во всех камерах",
            addressee=addressee,
            theme="safeguards",
        )
        send_and_close(earlier, secretariat)  # its recommendation open, to be verified

    add_visit(1)
    # The token's last use is written on its first request (then at most once a minute).
    assert device.get("/field/package").status_code == 200
    with CaptureQueriesContext(connection) as few:
        assert device.get("/field/package").status_code == 200
    for day in range(2, 6):
        add_visit(day)
    with CaptureQueriesContext(connection) as many:
        package = device.get("/field/package").json()
        assert len(package["visits"]) == 5 and len(package["open_recommendations"]) == 5
    assert len(many.captured_queries) == len(few.captured_queries)


def test_institution_types_come_from_reference_data(db: Any) -> None:
    assert InstitutionType.objects.filter(code="sizo").exists()


def test_the_openapi_document_lists_every_endpoint(client: Client) -> None:
    reply = client.get(f"{API}/openapi.json")
    assert reply.status_code == 200
    document = reply.json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        f"{API}/auth/device-token",
        f"{API}/field/package",
        f"{API}/field/submissions",
        f"{API}/field/submissions/batch",
        f"{API}/field/receipts",
        f"{API}/field/receipts/{{uuid}}",
    }
    batch = document["paths"][f"{API}/field/submissions/batch"]["post"]
    assert set(batch["responses"]) >= {"200", "401", "422"}
    assert "post" in document["paths"][f"{API}/field/submissions"]
    assert "post" in document["paths"][f"{API}/field/receipts"]
    schemes = document["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    assert json.dumps(document)  # serialisable as it is served


def test_the_openapi_document_gives_errors_the_content_type_they_are_sent_with(
    client: Client,
) -> None:
    document = client.get(f"{API}/openapi.json").json()
    answers = document["paths"][f"{API}/field/package"]["get"]["responses"]
    assert set(answers["401"]["content"]) == {"application/problem+json"}
    assert set(answers["200"]["content"]) == {"application/json"}
    refused = client.get(f"{API}/field/package")
    assert refused.status_code == 401
    assert refused["Content-Type"].startswith("application/problem+json")


def test_an_instrument_version_id_in_the_package_is_a_published_one(
    visit: Visit, member: User, secretariat: User, device_for: Callable[[User], Device]
) -> None:
    xlsform_publish(secretariat)
    for listed in device_for(member).package()["instruments"]:
        assert InstrumentVersion.objects.get(pk=listed["id"]).is_published


def test_the_openapi_document_describes_each_records_data(client: Client) -> None:
    schemas = client.get(f"{API}/openapi.json").json()["components"]["schemas"]
    for name in ("InterviewData", "ResponseData", "FindingData", "AllegationData"):
        assert schemas[name]["type"] == "object", name
    recommendation = schemas["RecommendationData"]
    # Either language first: neither text is required by the schema, the addressee is.
    assert recommendation["required"] == ["addressee"]
    assert "text_kk" in recommendation["properties"]["text_ru"]["description"]
    assert "$defs" not in json.dumps(schemas)
