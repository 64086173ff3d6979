"""The instrument pages: list, preview in ru and kk, upload → preview → publish, compare, types."""

import io
from collections.abc import Callable

import pytest
from django.test import Client

from kuzet.instruments.models import Instrument, InstrumentVersion
from kuzet.instruments.tests.xlsforms import GOOD_SURVEY, xlsform
from kuzet.people.models import User
from kuzet.registry.models import Norm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def norm(db: object) -> Norm:
    return Norm.objects.create(
        code="UN-SMR-13", title_ru="Размещение", text_ru="Помещения отвечают требованиям здоровья",
        source_act_ru="Правила Нельсона Манделы", article="13",
    )  # fmt: skip


def upload(client: Client, data: bytes, name: str = "form.xlsx"):  # type: ignore[no-untyped-def]
    file = io.BytesIO(data)
    file.name = name
    return client.post("/instruments/upload/", {"file": file}, HTTP_ACCEPT_LANGUAGE="en")


def test_upload_preview_publish(secretariat: User, client_for: Callable[[User], Client]) -> None:
    client = client_for(secretariat)
    response = upload(client, xlsform())
    assert response.status_code == 302 and response["Location"] == "/instruments/test-checklist/v1/"
    preview = client.get(
        "/instruments/test-checklist/v1/?lang=kk", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Күш қолдану журналы жүргізіледі" in preview and "Publish this version" in preview
    assert (
        "UN-SMR-13" in preview
        and "selected(${force_register}, &#x27;non_compliant&#x27;)" in preview
    )
    client.post("/instruments/test-checklist/v1/publish/")
    assert InstrumentVersion.objects.get().is_published
    again = client.get(
        "/instruments/test-checklist/v1/?lang=ru", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Ведётся журнал применения силы" in again and "Publish this version" not in again


def test_a_bad_upload_lists_problems_and_saves_nothing(
    secretariat: User, client_for: Callable[[User], Client]
) -> None:
    survey = [*GOOD_SURVEY[:2], ["range", "total", "Итого", "Барлығы"], *GOOD_SURVEY[2:]]
    response = upload(client_for(secretariat), xlsform(survey=survey))
    assert response.status_code == 422
    assert b"unsupported type" in response.content and b'<td class="num">4</td>' in response.content
    assert not Instrument.objects.exists()


def test_a_draft_can_be_discarded_but_a_published_version_cannot(
    secretariat: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(secretariat)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    upload(client, xlsform())
    # First the page saying what goes; nothing is deleted until it is confirmed.
    asked = client.post("/instruments/test-checklist/v1/discard/")
    assert asked.status_code == 200 and b"cannot be recovered" in asked.content
    assert b'name="confirmed" value="1"' in asked.content
    assert InstrumentVersion.objects.exists()
    client.post("/instruments/test-checklist/v1/discard/", {"confirmed": "1"})
    assert not InstrumentVersion.objects.exists()
    upload(client, xlsform())
    version = InstrumentVersion.objects.get()
    client.post(f"/instruments/test-checklist/v{version.number}/publish/")
    client.post(f"/instruments/test-checklist/v{version.number}/discard/", {"confirmed": "1"})
    assert InstrumentVersion.objects.filter(pk=version.pk).exists()


def test_compare_two_versions(secretariat: User, client_for: Callable[[User], Client]) -> None:
    client = client_for(secretariat)
    upload(client, xlsform())
    changed = [row[:] for row in GOOD_SURVEY]
    changed[1][2] = "Журнал применения силы ведётся и прошит"
    changed.insert(5, ["integer", "juveniles", "Несовершеннолетних", "Кәмелетке толмағандар"])
    del changed[4]  # methods removed
    upload(client, xlsform(survey=changed, settings={"version": "2026.2"}))
    response = client.get("/instruments/test-checklist/compare/?a=1&b=2", HTTP_ACCEPT_LANGUAGE="en")
    diff = response.context["diff"]
    assert diff.added == ["juveniles"] and diff.removed == ["methods"]
    assert ("force_register", ["label"]) in diff.changed


def test_assigning_institution_types(
    secretariat: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(secretariat)
    upload(client, xlsform())
    client.post("/instruments/test-checklist/types/", {"types": ["sizo", "guardhouse"]})
    instrument = Instrument.objects.get()
    assert sorted(a.institution_type.code for a in instrument.assignments.all()) == [
        "guardhouse",
        "sizo",
    ]


def test_participants_read_published_versions_only_and_cannot_manage(
    secretariat: User, participant: User, client_for: Callable[[User], Client]
) -> None:
    upload(client_for(secretariat), xlsform())
    client = client_for(participant)
    assert client.get("/instruments/test-checklist/v1/").status_code == 404  # a draft
    assert client.get("/instruments/upload/").status_code == 403
    assert client.post("/instruments/test-checklist/v1/publish/").status_code == 403
    InstrumentVersion.objects.update(status="published")
    assert client.get("/instruments/test-checklist/v1/").status_code == 200
    download = client.get("/instruments/test-checklist/v1/xlsform/")
    assert download.status_code == 200 and download.content.startswith(b"PK")


def test_the_norms_page_searches(participant: User, client_for: Callable[[User], Client]) -> None:
    client = client_for(participant)
    assert b"UN-SMR-13" in client.get("/inventory/norms/", {"q": "помещения"}).content
    assert b"UN-SMR-13" not in client.get("/inventory/norms/", {"q": "гауптвахта"}).content
