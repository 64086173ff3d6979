"""Every public and addressee page and download of the demo year, scanned for what must
never leave the NPM: the identities of the people met, their coded-person data, and the
texts of allegations and interviews. One occurrence fails the test."""

import io
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from kuzet.people.models import User
from kuzet.portal.demo import DEMO_OFFICIAL
from kuzet.portal.models import EvidenceFile
from kuzet.portal.services import recommendations_for_official
from kuzet.public import data
from kuzet.public.views import DATASETS
from kuzet.recommendations.models import Addressee
from kuzet.visits.models import Allegation, CodedPerson, Interview

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def storage(settings: object, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")  # type: ignore[attr-defined]
    cache.clear()


def needles() -> list[tuple[str, re.Pattern[str]]]:
    """What must not appear, with where it comes from (never printed in full)."""
    found: list[tuple[str, str]] = []
    for person in CodedPerson.objects.all():
        found.append(
            (f"code of person {person.pk}", rf"(?<![\w-]){re.escape(person.code)}(?![\w-])")
        )
        if person.full_name:
            found.append((f"name of person {person.pk}", re.escape(person.full_name)))
        if len(person.birth_date) > 4:  # a bare year is any year
            found.append((f"birth date of person {person.pk}", re.escape(person.birth_date)))
    for allegation in Allegation.objects.all():
        for field in ("circumstances", "injuries_observed", "witnesses"):
            text = getattr(allegation, field).strip()
            if len(text) >= 20:
                found.append((f"{field} of allegation {allegation.pk}", re.escape(text[:40])))
    for interview in Interview.objects.exclude(notes=""):
        if len(interview.notes.strip()) >= 20:
            found.append(
                (f"notes of interview {interview.pk}", re.escape(interview.notes.strip()[:40]))
            )
    return [(where, re.compile(pattern)) for where, pattern in found]


def public_urls() -> Iterator[str]:
    for lang in ("ru", "kk", "en"):
        yield reverse("public:index", args=[lang])
        for year in data.years():
            yield reverse("public:index", args=[lang]) + f"?year={year}"
        yield reverse("public:reports", args=[lang])
        yield reverse("public:open_data", args=[lang])
        yield reverse("public:addressees", args=[lang])
        for addressee in Addressee.objects.all():
            yield reverse("public:addressees", args=[lang]) + f"?addressee={addressee.code}"
        for dataset in DATASETS:
            for fmt in ("csv", "json"):
                yield reverse("public:data_file", args=[lang, dataset, fmt])
    for publication in data.published_reports():
        yield reverse("public:report_file", args=["ru", publication.pk])


def official_urls(official: User) -> Iterator[str]:
    yield reverse("portal:index")
    yield reverse("portal:index") + "?overdue=on"
    for recommendation in recommendations_for_official(official):
        yield reverse("portal:recommendation", args=[recommendation.pk])
    for item in EvidenceFile.objects.filter(
        answer__recommendation__addressee=official.official.addressee
    ):
        yield reverse("portal:evidence_file", args=[item.uuid])


def body(response: object) -> str:
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    else:
        raw = response.content  # type: ignore[attr-defined]
    return raw.decode("utf-8", "replace")


@override_settings(DEMO=True)
def test_no_public_or_addressee_page_or_download_holds_an_identity_or_an_allegation(
    client_for: Callable[[User], Client],
) -> None:
    call_command("load_library", stdout=io.StringIO())
    call_command(
        "load_demo_data",
        "--today",
        date(2026, 12, 3).isoformat(),
        "--no-reports",
        stdout=io.StringIO(),
    )
    forbidden = needles()
    assert len(forbidden) > 100  # the demo has people, allegations and interviews
    official = User.objects.get(username=DEMO_OFFICIAL)
    pages: list[tuple[str, str]] = []
    anonymous = Client()
    for url in public_urls():
        response = anonymous.get(url)
        assert response.status_code == 200, url
        pages.append((url, body(response)))
    client = client_for(official)
    for url in official_urls(official):
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append((url, body(response)))
    assert len(pages) > 50
    leaks = [
        f"{url}: {where}"
        for url, text in pages
        for where, pattern in forbidden
        if pattern.search(text)
    ]
    assert not leaks, "\n".join(leaks[:30])
