"""The text rules' lists edited by the secretariat: checked line by line with the files'
parser, audited, in force at once on the site and in the tablets' package, undone by
bringing back the shipped list; nobody else's."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from kuzet.core.models import AuditEvent
from kuzet.field.tests.device import Device
from kuzet.people.models import User
from kuzet.quality import ruledata
from kuzet.quality.models import LexiconOverride
from kuzet.quality.services import lexicon_reset, lexicon_save
from kuzet.quality.texts import check_text

pytestmark = pytest.mark.django_db
URL = "/quality/settings/lists/stock_recommendation/ru/"
# A concrete recommendation: an action on an object. Made a stock formula below.
TEXT = "Установить в прогулочных двориках навесы от дождя."


def shipped() -> str:
    return ruledata.read_files()[1]["stock_recommendation"]["ru"]


def codes(text: str) -> list[str]:
    return [r.code for r in check_text("recommendation", text)]


def test_the_lists_page_links_every_list_and_the_settings_page_links_it(
    secretariat: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(secretariat)
    assert 'href="/quality/settings/lists/"' in client.get("/quality/settings/").content.decode()
    page = client.get("/quality/settings/lists/").content.decode()
    for name in ruledata.read_files()[1]:
        assert f"/quality/settings/lists/{name}/ru/" in page
        assert f"/quality/settings/lists/{name}/kk/" in page
    assert "Стандартные формулировки рекомендаций" in page  # in Russian
    edit = client.get(URL).content.decode()
    assert "прин*|предприн*|предпринима* мер*" in edit  # the shipped list, to edit


def test_an_added_phrase_makes_a_text_weak_here_and_in_the_tablets_package_and_is_audited(
    secretariat: User,
    member: User,
    client_for: Callable[[User], Client],
    device_for: Callable[[User], Device],
) -> None:
    assert codes(TEXT) == []
    device = device_for(member)

    def package_rules() -> dict[str, Any]:
        reply = device.get("/field/package")  # afresh (Device.package() keeps the first)
        assert reply.status_code == 200
        return reply.json()["rules"]["text_quality"]

    before = package_rules()
    response = client_for(secretariat).post(
        URL, {"action": "save", "text": shipped() + "установ*\n"}
    )
    assert response.status_code == 302
    assert codes(TEXT) == ["vague_recommendation"]
    after = package_rules()
    assert [["установ*"]] in after["lexicons"]["stock_recommendation"]
    assert [["установ*"]] not in before["lexicons"]["stock_recommendation"]
    assert after["version"] != before["version"]
    event = AuditEvent.objects.filter(object_type="quality.lexiconoverride").latest("id")
    assert event.actor_id == secretariat.pk and "text" in event.fields
    page = client_for(secretariat).get("/quality/settings/lists/").content.decode()
    assert "изменён" in page  # the list is marked as edited

    # Reset: the shipped list again, audited.
    assert client_for(secretariat).post(URL, {"action": "reset"}).status_code == 302
    assert not LexiconOverride.objects.exists()
    assert codes(TEXT) == []
    assert [["установ*"]] not in package_rules()["lexicons"]["stock_recommendation"]
    assert AuditEvent.objects.filter(object_type="quality.lexiconoverride").count() == 2


def test_a_broken_line_is_refused_with_its_number_and_nothing_is_saved(
    secretariat: User, client_for: Callable[[User], Client]
) -> None:
    text = "установ*\n# a comment\n\nме*ры\nусил*\n"
    response = client_for(secretariat).post(
        URL, {"action": "save", "text": text}, headers={"accept-language": "en"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Line 4:" in page and "ме*ры" in page
    assert "установ*" in page  # what was typed stays in the form
    assert not LexiconOverride.objects.exists()
    assert codes(TEXT) == []
    russian = client_for(secretariat).post(URL, {"action": "save", "text": "мер**"})
    assert "Строка 1:" in russian.content.decode()
    with pytest.raises(ValidationError) as refused:
        lexicon_save(actor=secretariat, name="place", lang="kk", text="бөлме\nбөл-ме\n")
    assert "Line 2" in str(refused.value.message_dict["text"]) or "2" in str(refused.value)
    assert not LexiconOverride.objects.exists()
    with pytest.raises(ValidationError):
        lexicon_save(actor=secretariat, name="no_such_list", lang="ru", text="мер*")


def test_nobody_but_the_secretariat_edits_the_lists(
    coordinator: User, administrator: User, client_for: Callable[[User], Client]
) -> None:
    for user in (coordinator, administrator):
        client = client_for(user)
        assert client.get("/quality/settings/lists/").status_code == 403
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"action": "save", "text": "мер*"}).status_code == 403
        assert client.post(URL, {"action": "reset"}).status_code == 403
        with pytest.raises(PermissionDenied):
            lexicon_save(actor=user, name="place", lang="ru", text="камер*")
        with pytest.raises(PermissionDenied):
            lexicon_reset(actor=user, name="place", lang="ru")
    assert not LexiconOverride.objects.exists()


def test_an_unknown_list_is_a_404(secretariat: User, client_for: Callable[[User], Client]) -> None:
    client = client_for(secretariat)
    assert client.get("/quality/settings/lists/nothing/ru/").status_code == 404
    assert client.get("/quality/settings/lists/place/en/").status_code == 404


def test_an_edit_saved_by_another_process_is_seen_at_the_next_request(
    secretariat: User, client_for: Callable[[User], Client]
) -> None:
    """Another process's save reaches this one through the stored rows' stamp: simulated
    by writing the row without the service (which would recheck here)."""
    assert codes(TEXT) == []
    LexiconOverride.objects.create(name="stock_recommendation", lang="ru", text="установ*\n")
    client_for(secretariat).get("/quality/settings/")  # a request starts: the stamp is read
    assert codes(TEXT) == ["vague_recommendation"]
