"""The standard library shipped with Kuzet loads, and every instrument is complete."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from kuzet.instruments.models import Instrument, InstrumentVersion
from kuzet.instruments.schema import questions
from kuzet.registry.models import Norm

pytestmark = pytest.mark.django_db
LIBRARY = Path(__file__).resolve().parents[1] / "library"
# The instruments the NPM asked for: one per kind of place, the two interviews, the medical unit.
EXPECTED = {
    "ivs-full", "sizo-full", "colony-full", "special-reception-full", "psychiatric-full", "children-full",
    "social-care-full", "guardhouse-full", "detainee-interview", "staff-interview", "medical-unit",
    "onboarding-test",  # the participants' onboarding test (membership)
}  # fmt: skip


@pytest.mark.slow
def test_the_library_loads_once_and_every_instrument_is_complete() -> None:
    out = io.StringIO()
    call_command("load_library", stdout=out)
    codes = set(Instrument.objects.values_list("code", flat=True))
    assert codes >= EXPECTED
    assert len(codes) == len(list(LIBRARY.glob("*.xlsx")))
    for version in InstrumentVersion.objects.select_related("instrument"):
        assert version.is_published
        if version.instrument.kind == "test":
            assert version.question_count >= 5 and version.document["pass_mark"]
            assert {"ru", "kk", "en"} <= set(version.document["title"])
            continue
        assert version.question_count >= 60, version.instrument.code
        cited = {
            code for node in questions(version.document) for code in node.item.get("norms", [])
        }
        assert cited <= set(Norm.objects.values_list("code", flat=True))
        for node in questions(version.document):
            assert node.item["label"].get("ru") and node.item["label"].get("kk"), (
                version.instrument.code,
                node.path,
            )
        if version.instrument.kind == "checklist":
            linked = [n for n in questions(version.document) if n.item["type"] == "compliance"]
            assert linked and sum(bool(n.item.get("norms")) for n in linked) >= len(linked) * 0.8
    count = InstrumentVersion.objects.count()
    call_command("load_library", stdout=io.StringIO())
    assert InstrumentVersion.objects.count() == count
