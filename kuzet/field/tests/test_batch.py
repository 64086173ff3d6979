"""Several sealed records in one request (``POST /field/submissions/batch``): each stands or
falls alone with the answer the single endpoint would give it, a batch sent again is
answered with the same receipts, and the statements a batch costs do not grow with its
records beyond those each record's own rows need."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kuzet.core.audit import verify_chain
from kuzet.core.models import AuditEvent
from kuzet.field.models import Submission
from kuzet.field.tests.device import (
    COMPLETE_ANSWERS,
    Device,
    content_hash,
    interview_record,
    record,
)
from kuzet.instruments.models import InstrumentVersion
from kuzet.people.models import User
from kuzet.visits.models import ComplianceMark, Finding, Interview, Response, Visit, VisitChange

pytestmark = pytest.mark.django_db


def item(device: Device, rec: dict[str, Any]) -> dict[str, Any]:
    return {"uuid": rec["uuid"], "envelope": device.seal(rec)}


def send(device: Device, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    reply = device.post("/field/submissions/batch", {"submissions": items})
    assert reply.status_code == 200, reply.content
    results: list[dict[str, Any]] = reply.json()["results"]
    assert [r["uuid"] for r in results] == [i["uuid"] for i in items]
    return results


def response_record(visit: Visit, checklist: InstrumentVersion, **answers: Any) -> dict[str, Any]:
    return record(
        "response", visit.pk, {"version": checklist.pk, "answers": {**COMPLETE_ANSWERS, **answers}}
    )


def test_a_batch_stores_every_record_in_order_and_a_record_may_refer_to_an_earlier_one(
    visit: Visit,
    member: User,
    checklist: InstrumentVersion,
    device_for: Callable[[User], Device],
) -> None:
    device = device_for(member)
    interview = interview_record(visit)
    response = response_record(visit, checklist)
    finding = record(
        "finding",
        visit.pk,
        {
            "theme": "safeguards",
            "title": "Журнал применения силы не ведётся",
            "description": "Журнал применения силы не ведётся с марта, записи о трёх случаях отсутствуют.",
            "sources": ["documents"],
            "severity": "high",
            "interviews": [interview["uuid"]],
            "items": [{"response": response["uuid"], "path": "force_register"}],
            "no_recommendation_reason": "Рекомендация дана в прошлый раз.",
        },
    )
    items = [item(device, rec) for rec in (interview, response, finding)]

    results = send(device, items)

    assert [r["status"] for r in results] == [201, 201, 201], results
    for result, sent in zip(results, items, strict=True):
        assert result["problem"] is None
        assert result["receipt"]["hash"] == content_hash(sent["envelope"])
    assert results[1]["receipt"]["object_id"] == Response.objects.get().pk
    assert [m.path for m in Finding.objects.get().items.all()] == ["force_register"]
    assert Submission.objects.count() == 3
    # The marks written without the ORM are the ones the web form's save would write.
    mark = ComplianceMark.objects.get()
    assert (mark.path, mark.question, mark.value) == (
        "force_register",
        "force_register",
        "non_compliant",
    )
    assert VisitChange.objects.filter(visit_id=visit.pk).count() == 1
    # One chain, unbroken, with an event for each stored row.
    checked, problems = verify_chain()
    assert checked > 0 and problems == []
    assert AuditEvent.objects.filter(object_type="field.submission").count() == 3


def test_a_bad_record_in_a_batch_does_not_lose_the_good_ones(
    visit: Visit,
    member: User,
    checklist: InstrumentVersion,
    device_for: Callable[[User], Device],
) -> None:
    device = device_for(member)
    good = response_record(visit, checklist)
    missing_answer = response_record(visit, checklist, population=None)
    damaged = item(device, interview_record(visit, code="B-01"))
    damaged["envelope"]["ct"] = damaged["envelope"]["ct"][:-8] + "AAAAAAA="
    # Refused only inside the transaction (its item is not an answered one): its savepoint
    # is rolled back, the records around it stay.
    bad_finding = record(
        "finding",
        visit.pk,
        {
            "theme": "safeguards",
            "title": "Нет журнала",
            "description": "Журнал применения силы не ведётся с марта, записи о трёх случаях отсутствуют.",
            "no_recommendation_reason": "Рекомендация дана в прошлый раз.",
            "sources": ["documents"],
            "severity": "high",
            "items": [{"response": good["uuid"], "path": "no_such_item"}],
        },
    )
    other_visit = record("interview", visit.pk + 1000, interview_record(visit)["data"])
    interview = interview_record(visit, code="C-02")
    items = [
        item(device, good),
        item(device, missing_answer),
        damaged,
        item(device, bad_finding),
        item(device, other_visit),
        item(device, interview),
    ]

    results = send(device, items)

    assert [r["status"] for r in results] == [201, 422, 400, 422, 403, 201], results
    assert results[1]["problem"]["code"] == "invalid_record"
    assert "population" in results[1]["problem"]["errors"]
    assert results[2]["problem"]["code"] == "tampered"
    assert results[3]["problem"]["code"] == "invalid_record"
    assert results[4]["problem"]["code"] == "access_denied"
    assert all(r["receipt"] is None for r in results if r["status"] >= 400)
    assert set(Submission.objects.values_list("uuid", flat=True)) == {
        uuid.UUID(good["uuid"]),
        uuid.UUID(interview["uuid"]),
    }
    assert Response.objects.count() == 1 and Finding.objects.count() == 0
    assert Interview.objects.get().person.code == "C-02"  # type: ignore[union-attr]
    checked, problems = verify_chain()
    assert checked > 0 and problems == []
    assert not AuditEvent.objects.filter(object_type="visits.finding").exists()

    # The refused ones, corrected and sealed again, go in a later batch.
    fixed = response_record(visit, checklist)
    again = send(device, [item(device, fixed), items[0]])
    assert [r["status"] for r in again] == [201, 200]


def test_a_batch_sent_again_is_answered_with_the_same_receipts(
    visit: Visit,
    member: User,
    leader: User,
    checklist: InstrumentVersion,
    device_for: Callable[[User], Device],
) -> None:
    device = device_for(member)
    records = [response_record(visit, checklist) for _ in range(3)]
    items = [item(device, rec) for rec in records]
    first = send(device, items)
    assert [r["status"] for r in first] == [201, 201, 201]

    second = send(device, items)

    assert [r["status"] for r in second] == [200, 200, 200]
    assert [r["receipt"] for r in second] == [r["receipt"] for r in first]
    assert Response.objects.count() == 3 and Submission.objects.count() == 3

    # The same record twice in one batch is stored once; the second answers as a resend.
    twice = item(device, response_record(visit, checklist))
    results = send(device, [twice, twice])
    assert [r["status"] for r in results] == [201, 200]
    assert results[0]["receipt"] == results[1]["receipt"]
    # Sealed again (other content under the same identifier): a conflict, with the hash
    # to the sender and without it to another user.
    resealed = {"uuid": records[0]["uuid"], "envelope": device.seal(records[0])}
    [conflict] = send(device, [resealed])
    assert conflict["status"] == 409 and conflict["problem"]["hash"] == first[0]["receipt"]["hash"]
    [foreign] = send(device_for(leader), [items[0]])
    assert foreign["status"] == 409 and "hash" not in foreign["problem"]
    assert Response.objects.count() == 4


def test_a_batch_of_the_wrong_form_is_refused_whole(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    empty = device.post("/field/submissions/batch", {"submissions": []})
    assert empty.status_code == 422 and empty.json()["code"] == "invalid_request"
    one = item(device, interview_record(visit))
    too_many = device.post("/field/submissions/batch", {"submissions": [one] * 101})
    assert too_many.status_code == 422 and too_many.json()["code"] == "invalid_request"
    no_token = Device(token="").post("/field/submissions/batch", {"submissions": [one]})
    assert no_token.status_code == 401
    assert not Submission.objects.exists()


def _statements(device: Device, items: list[dict[str, Any]]) -> int:
    with CaptureQueriesContext(connection) as queries:
        results = send(device, items)
    assert all(r["status"] == 201 for r in results), results
    return len(queries.captured_queries)


def test_a_batch_of_checklists_costs_the_same_statements_for_1_record_as_for_5(
    visit: Visit,
    member: User,
    checklist: InstrumentVersion,
    device_for: Callable[[User], Device],
) -> None:
    """Consecutive checklist records are stored together: everything shared — the token,
    the visit and its team, the instrument version, the audit chain's head, the visit's
    dashboard mark, the transaction — and the rows themselves (one INSERT per table for
    all the records) cost the same for 1 record as for 5."""
    device = device_for(member)
    send(device, [item(device, response_record(visit, checklist))])  # token's last use
    one = _statements(device, [item(device, response_record(visit, checklist))])
    five = _statements(device, [item(device, response_record(visit, checklist)) for _ in range(5)])
    assert five == one
    # The token, submissions found (before and under the claim), visit + team, the user's
    # regions, BEGIN, the version and its applying to the institution, the run's savepoint
    # (SAVEPOINT, RELEASE), INSERT × 3 (responses, their marks, submissions), the chain's
    # head (lock, events, move), the visit's mark, COMMIT; on PostgreSQL the advisory lock
    # of the records' identifiers (one statement for all).
    assert one == (20 if connection.vendor == "postgresql" else 19)
    # One record alone through the single endpoint, for comparison: no more than in a batch.
    rec = response_record(visit, checklist)
    with CaptureQueriesContext(connection) as queries:
        assert device.submit(rec).status_code == 201
    assert len(queries.captured_queries) <= one


def test_checklists_stored_together_keep_their_order_their_references_and_their_refusals(
    visit: Visit,
    member: User,
    checklist: InstrumentVersion,
    device_for: Callable[[User], Device],
) -> None:
    """Consecutive checklists are stored together, between records stored alone: a
    questionnaire refers to an interview sent just before it, one refused in the middle of
    the run is left out with its reason, and the rows and the audit chain are those of
    records stored one by one (an event for every row)."""
    device = device_for(member)
    interview = interview_record(visit)
    questionnaire = record(
        "response",
        visit.pk,
        {"version": checklist.pk, "interview": interview["uuid"], "answers": COMPLETE_ANSWERS},
    )
    refused = response_record(visit, checklist, population=None)
    last = response_record(visit, checklist, force_register="compliant")
    sent = [interview, questionnaire, refused, last, interview_record(visit, code="C-03")]

    results = send(device, [item(device, rec) for rec in sent])

    assert [r["status"] for r in results] == [201, 201, 422, 201, 201], results
    assert results[2]["problem"]["code"] == "invalid_record"
    assert "population" in str(results[2]["problem"]["errors"])
    stored = {s.uuid: s for s in Submission.objects.all()}
    assert set(map(str, stored)) == {r["uuid"] for r in sent} - {refused["uuid"]}
    linked = Response.objects.get(pk=stored[uuid.UUID(questionnaire["uuid"])].object_id)
    assert linked.interview_id == stored[uuid.UUID(interview["uuid"])].object_id
    assert linked.answers == COMPLETE_ANSWERS and linked.revision == 1
    assert Response.objects.count() == 2
    values = {(m.response_id, m.value) for m in ComplianceMark.objects.all()}
    assert values == {
        (linked.pk, "non_compliant"),
        (stored[uuid.UUID(last["uuid"])].object_id, "compliant"),
    }
    created = AuditEvent.objects.filter(action="create").order_by("id")
    kinds = [
        e.object_type for e in created if e.object_type in ("visits.response", "field.submission")
    ]
    assert kinds.count("visits.response") == 2 and kinds.count("field.submission") == 4
    assert verify_chain()[1] == []


def _refuse_submission_of(content_hash_: str) -> str:
    """A trigger that makes the database refuse the submission row of one record, as a
    clash would; returns the statement that removes it."""
    table = Submission._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION kuzet_test_refuse() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.content_hash = '{content_hash_}' THEN "
                "RAISE unique_violation USING MESSAGE = 'taken meanwhile'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER kuzet_test_refuse BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION kuzet_test_refuse()"
            )
            return f"DROP TRIGGER kuzet_test_refuse ON {table}; DROP FUNCTION kuzet_test_refuse()"
        cursor.execute(
            f"CREATE TRIGGER kuzet_test_refuse BEFORE INSERT ON {table} "
            f"WHEN NEW.content_hash = '{content_hash_}' "
            "BEGIN SELECT RAISE(ABORT, 'taken meanwhile'); END"
        )
        return "DROP TRIGGER kuzet_test_refuse"


def test_when_checklists_stored_together_clash_each_is_stored_alone(
    visit: Visit,
    member: User,
    checklist: InstrumentVersion,
    device_for: Callable[[User], Device],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Should the insert of a run fail (an identifier taken meanwhile, say), the run is
    rolled back and its records stored one by one: the one the database refuses is left
    out, the others are stored, with nothing half-written."""
    device = device_for(member)
    items = [item(device, response_record(visit, checklist)) for _ in range(3)]
    drop = _refuse_submission_of(content_hash(items[1]["envelope"]))
    try:
        results = send(device, items)
    finally:
        with connection.cursor() as cursor:
            for statement in drop.split("; "):
                cursor.execute(statement)

    assert [r["status"] for r in results][::2] == [201, 201], results
    # Said in the log, by the error's class only (the database's message quotes the row).
    [warning] = [r.getMessage() for r in caplog.records if "stored together" in r.getMessage()]
    assert "IntegrityError" in warning and "taken meanwhile" not in warning
    assert results[1]["status"] >= 400 and results[1]["receipt"] is None
    assert {str(s.uuid) for s in Submission.objects.all()} == {items[0]["uuid"], items[2]["uuid"]}
    assert Response.objects.count() == 2  # none left without its submission
    assert ComplianceMark.objects.count() == 2
    assert verify_chain()[1] == []
    again = send(device, items)  # the refused one stands alone once the clash is gone
    assert [r["status"] for r in again] == [200, 201, 200]
