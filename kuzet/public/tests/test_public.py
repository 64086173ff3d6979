"""The public site: no sign-in, three languages, small numbers withheld, bad query strings
answered in words, the cache kept correct by version, publication decisions audited."""

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from kuzet.core.access import Refused
from kuzet.core.crypto import encrypt_bytes
from kuzet.core.models import AuditEvent
from kuzet.people.models import User
from kuzet.portal.services import answer_assess, answer_record
from kuzet.public.services import report_publish, report_withdraw
from kuzet.recommendations.models import Recommendation
from kuzet.reports.models import GeneratedReport

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh(settings: object, tmp_path: Path, in_english: None) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")  # type: ignore[attr-defined]
    cache.clear()


def get(path: str, **params: str) -> object:
    return Client().get(path, params)


def test_every_public_page_answers_without_sign_in_in_each_language(
    recommendations: tuple[Recommendation, Recommendation],
) -> None:
    for lang, word in (("ru", "Посещения"), ("kk", "Бару"), ("en", "Visits")):
        response = Client().get(reverse("public:index", args=[lang]))
        assert response.status_code == 200
        assert response["Content-Language"] == lang
        html = response.content.decode()
        assert f'<html lang="{lang}">' in html
        assert word in html, lang
    for name in ("reports", "addressees", "open_data"):
        assert Client().get(reverse(f"public:{name}", args=["kk"])).status_code == 200


def test_the_public_site_loads_nothing_from_elsewhere(
    recommendations: tuple[Recommendation, Recommendation],
) -> None:
    html = Client().get(reverse("public:index", args=["ru"])).content.decode()
    for marker in ('src="http', 'href="http', "<script", "fonts.googleapis", "tile"):
        assert marker not in html.replace('href="https://creativecommons.org', ""), marker


def test_counts_below_the_threshold_are_withheld_on_pages_and_in_data(
    recommendations: tuple[Recommendation, Recommendation], settings: object
) -> None:
    page = Client().get(reverse("public:index", args=["en"])).content.decode()
    assert "&lt; 5" in page  # one visit, two recommendations
    assert "<td>1</td>" not in page and "<td>2</td>" not in page
    rows = json.loads(
        Client().get(reverse("public:data_file", args=["en", "years", "json"])).content
    )["rows"]
    assert rows == [
        {
            "year": "2026",
            "visits": None,
            "institutions": None,
            "recommendations": None,
            "implemented": 0,
        }
    ]
    text = Client().get(reverse("public:data_file", args=["en", "regions", "csv"])).content.decode()
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["visits"] == "" and row["recommendations"] == ""
    settings.KUZET_SMALL_COUNT = 2  # type: ignore[attr-defined]
    cache.clear()
    rows = json.loads(
        Client().get(reverse("public:data_file", args=["en", "years", "json"])).content
    )["rows"]
    assert rows[0]["recommendations"] == 2 and rows[0]["visits"] is None


def test_the_addressee_table_shows_status_and_the_latest_answer(
    recommendations: tuple[Recommendation, Recommendation], official: User
) -> None:
    ours, _ = recommendations
    answer_record(actor=official, recommendation=ours, position="accepted", text="Окна заменим.")
    html = (
        Client()
        .get(reverse("public:addressees", args=["en"]), {"addressee": ours.addressee.code})
        .content.decode()
    )
    assert "Окна заменим." in html and "accepted" in html


@pytest.mark.parametrize(
    "path,params",
    [
        ("index", {"year": "abc"}),
        ("index", {"year": "99999999999999999999"}),
        ("index", {"year": "2026' OR 1=1 --"}),
        ("index", {"year": "\x00"}),
        ("index", {"year": "٢٠٢٦"}),
        ("addressees", {"addressee": "<script>alert(1)</script>"}),
        ("addressees", {"addressee": "x" * 5000}),
        ("addressees", {"addressee": "../../etc/passwd"}),
        ("open_data", {"year": "-1", "addressee": "%"}),
    ],
)
def test_crafted_query_strings_get_a_clear_answer_never_a_failure(
    path: str, params: dict[str, str], recommendations: tuple[Recommendation, Recommendation]
) -> None:
    response = Client().get(reverse(f"public:{path}", args=["en"]), params)
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert "<script>alert" not in html
    if response.status_code == 400:
        assert "There is no" in html


def test_unknown_languages_datasets_and_formats_are_not_found(db: object) -> None:
    assert Client().get("/public/xx/").status_code == 404
    assert Client().get("/public/ru/data/people.csv").status_code == 404
    assert Client().get("/public/ru/data/years.xml").status_code == 404
    assert Client().get("/public/ru/reports/999/").status_code == 404


def test_pages_come_from_the_cache_until_the_data_change(
    recommendations: tuple[Recommendation, Recommendation],
    official: User,
    secretariat: User,
) -> None:
    ours, _ = recommendations
    url = reverse("public:addressees", args=["en"]) + f"?addressee={ours.addressee.code}"
    assert Client().get(url)["X-Kuzet-Cache"] == "miss"
    assert Client().get(url)["X-Kuzet-Cache"] == "hit"
    answer = answer_record(actor=official, recommendation=ours, position="accepted", text="")
    after = Client().get(url)
    assert after["X-Kuzet-Cache"] == "miss" and "accepted" in after.content.decode()
    answer_assess(actor=secretariat, answer=answer, grade="implemented", comment="Проверено.")
    assert "implemented" in Client().get(url).content.decode()


def _done_report(visit_id: int | None, kind: str = "visit") -> GeneratedReport:
    report = GeneratedReport(
        kind=kind, visit_id=visit_id, period_start=date(2026, 1, 1), period_end=date(2026, 12, 31),
        language="ru", edition="external", format="pdf", status="done",
    )  # fmt: skip
    report.file.save("r.pdf", ContentFile(encrypt_bytes(b"%PDF-1.4 published")), save=False)
    report.save()
    return report


def test_publishing_is_one_audited_decision_per_report_and_withdrawal_takes_it_off(
    recommendations: tuple[Recommendation, Recommendation],
    secretariat: User,
    coordinator: User,
    client_for: Callable[[User], Client],
) -> None:
    ours, _ = recommendations
    report = _done_report(ours.visit_id)
    with pytest.raises(Refused):
        report_publish(actor=coordinator, report=report, title="Отчёт")
    response = client_for(secretariat).post(
        reverse("public:manage"), {"report": report.pk, "title": "Отчёт о посещении ИВС"}
    )
    assert response.status_code == 302
    publication = report.publication  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(object_type="public.publishedreport").exists()
    listing = Client().get(reverse("public:reports", args=["ru"])).content.decode()
    assert "Отчёт о посещении ИВС" in listing
    file = Client().get(reverse("public:report_file", args=["ru", publication.pk]))
    assert file.content == b"%PDF-1.4 published"
    with pytest.raises(ValidationError, match="already published"):
        report_publish(actor=secretariat, report=report, title="Снова")
    report_withdraw(actor=secretariat, publication=publication)
    assert (
        "Отчёт о посещении ИВС"
        not in Client().get(reverse("public:reports", args=["ru"])).content.decode()
    )
    assert (
        Client().get(reverse("public:report_file", args=["ru", publication.pk])).status_code == 404
    )


def test_an_internal_edition_or_an_unsent_visits_report_is_not_published(
    visit: object, secretariat: User
) -> None:
    report = _done_report(visit.pk)  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="sent to the addressees"):
        report_publish(actor=secretariat, report=report, title="Рано")
    GeneratedReport.objects.filter(pk=report.pk).update(edition="internal")
    report.refresh_from_db()
    with pytest.raises(ValidationError, match="external edition"):
        report_publish(actor=secretariat, report=report, title="Внутренний")
