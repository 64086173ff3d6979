"""The field app confirms a batch of records with one receipts request, in Chromium.

A record leaves the tablet only when a receipt shows the hash the tablet computed. After a
batch, the app asks for the batch's receipts at once (``POST /field/receipts``); when that
answer is missing, refused, cut or malformed, it asks for each receipt on its own, and a
receipt with another hash keeps the record on the tablet — whichever way it was asked.
"""

from pathlib import Path
from typing import Any

import pytest

from kuzet.field.tests.tablet import signed_in_tablet

pytestmark = pytest.mark.browser
LOOKUP = "**/api/v1/field/receipts"
RECORDS = 3

# Seal ``count`` staff interviews as the app seals them and put them in the outbox.
PUT_RECORDS = """async (count) => {
  const crypto_ = await import('/static/field/crypto.js');
  const store = await import('/static/field/store.js');
  const pkg = await store.getSecret('package');
  const visit = pkg.visits[0].id;
  const uuids = [];
  for (let i = 0; i < count; i++) {
    const uuid = crypto.randomUUID();
    const now = new Date().toISOString();
    const record = { uuid, type: 'interview', visit, created_at: now, finalized_at: now, device: 'test',
      data: { kind: 'staff', conducted_at: now, time_note: 'Беседа по телефону после посещения',
              person_code: '', identity: {}, consent_interview: true, consent_quote: false,
              consent_identify: false, consent_transmit: false, vulnerabilities: [],
              fears_reprisals: null, reprisal_risk: 'unknown', follow_up_on: null, notes: 'Беседа ' + i } };
    const envelope = await crypto_.sealForServer(pkg, record);
    await store.putOutbox({ uuid, envelope, hash: await crypto_.envelopeHash(envelope), status: 'pending' },
                          { uuid, type: 'interview', visit, title: 'test' });
    uuids.push(uuid);
  }
  return uuids;
}"""

SYNC = """async () => {
  const store = await import('/static/field/store.js');
  const { sendOutbox } = await import('/static/field/sync.js');
  const summary = await sendOutbox((await store.getSecret('token')).token);
  const outbox = (await store.outbox()).map((item) => [item.uuid, item.status, item.problem]);
  return { summary, outbox };
}"""


def receipt_requests(page: Any) -> dict[str, list[str]]:
    """The receipts asked for from now on: ``lookups`` (one request for several) and
    ``singles`` (``GET /field/receipts/{uuid}``, by UUID)."""
    seen: dict[str, list[str]] = {"lookups": [], "singles": []}

    def on_request(request: Any) -> None:
        path = request.url.split("/api/v1", 1)[-1]
        if request.method == "POST" and path == "/field/receipts":
            seen["lookups"].append(path)
        elif request.method == "GET" and path.startswith("/field/receipts/"):
            seen["singles"].append(path.rsplit("/", 1)[-1])

    page.on("request", on_request)
    return seen


def sync_round(page: Any, seen: dict[str, list[str]]) -> tuple[list[str], dict[str, Any]]:
    for found in seen.values():
        found.clear()
    uuids = page.evaluate(PUT_RECORDS, RECORDS)
    return uuids, page.evaluate(SYNC)


def test_a_batch_is_confirmed_with_one_lookup_and_each_on_its_own_when_that_fails(
    demo_server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context, page = signed_in_tablet(
            playwright, demo_server, tmp_path / "tablet", "demo-leader"
        )
        seen = receipt_requests(page)

        # As served: one lookup confirms the batch, no receipt is asked for on its own.
        uuids, synced = sync_round(page, seen)
        assert synced == {
            "summary": {"sent": 3, "conflicts": 0, "errors": 0, "waiting": 0},
            "outbox": [],
        }
        assert len(seen["lookups"]) == 1 and seen["singles"] == []

        # A server without the lookup (404), a lookup cut on the way, an answer that is not
        # a list of receipts: each record's receipt is asked for on its own.
        failures = {
            "not found": lambda route: route.fulfill(
                status=404, json={"status": 404, "code": "not_found"}
            ),
            "cut": lambda route: route.abort("connectionreset"),
            "malformed": lambda route: route.fulfill(status=200, json={"receipts": "soon"}),
        }
        for failure, answer in failures.items():
            page.route(LOOKUP, answer)
            uuids, synced = sync_round(page, seen)
            page.unroute(LOOKUP)
            assert synced["summary"]["sent"] == RECORDS and synced["outbox"] == [], failure
            assert len(seen["lookups"]) == 1, failure
            assert sorted(seen["singles"]) == sorted(uuids), failure

        # A receipt whose hash is not the tablet's keeps that record, and only that one.
        altered: list[str] = []

        def other_hash(route: Any) -> None:
            answer = route.fetch()
            body = answer.json()
            body["receipts"][0]["hash"] = "0" * 64
            altered.append(body["receipts"][0]["uuid"])
            route.fulfill(response=answer, json=body)

        page.route(LOOKUP, other_hash)
        uuids, synced = sync_round(page, seen)
        page.unroute(LOOKUP)
        assert synced["summary"] == {"sent": 2, "conflicts": 0, "errors": 1, "waiting": 0}
        assert len(altered) == 1 and altered[0] in uuids
        assert synced["outbox"] == [[altered[0], "error", "receipt"]]
        assert seen["singles"] == []
        context.close()
