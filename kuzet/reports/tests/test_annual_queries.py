"""The annual report's queries do not grow with its data (issue 16, measured on 10,000
visits in bench/reports.py): the draft's data, the translation queue and the annex read
the same number of queries for one visit as for many visits to many places of several
departments, with findings, recommendations and their answers in two years."""

import itertools
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from kuzet.people.models import User
from kuzet.recommendations.models import Addressee, Recommendation, StatusChange
from kuzet.registry.models import Institution, InstitutionType, Region
from kuzet.reports.annual_annex import recommendations_annex
from kuzet.reports.annual_data import annual_report_data
from kuzet.reports.translation import translation_queue
from kuzet.visits.models import THEMES, Allegation, CodedPerson, Finding, Interview, Visit

pytestmark = pytest.mark.django_db
YEAR = 2026
SEVERITIES = ["critical", "high", "medium", "low"]
counter = itertools.count(1)


def add_visits(count: int, author: User) -> None:
    """``count`` approved visits in the year and as many the year before, each to a new
    place (types of every department in turn), with what the report reads."""
    types = list(InstitutionType.objects.filter(department__isnull=False).order_by("pk"))
    region = Region.objects.order_by("pk").first()
    addressees = list(Addressee.objects.order_by("pk")[:3])
    for n in range(count):
        i = next(counter)
        kind = types[i % len(types)]
        place = Institution.objects.create(
            name_ru=f"Учреждение № {i}",
            name_kk=f"№ {i} мекеме",
            name_key=f"учреждение № {i}",
            type=kind,
            department=kind.department,
            region=region,
        )
        for year in (YEAR - 1, YEAR):
            visit = Visit.objects.create(
                institution=place,
                region=region,
                status=Visit.Status.SENT,
                planned_date=date(year, 3 + n % 9, 10),
            )
            person = CodedPerson.objects.create(visit=visit, code="A-01", full_name="-")
            interview = Interview.objects.create(
                visit=visit,
                person=person,
                kind="individual",
                consent_interview=True,
                conducted_by=author,
                conducted_at=timezone.now(),
            )
            Allegation.objects.create(
                visit=visit,
                person=person,
                kind="ill_treatment",
                circumstances="-",
                perpetrator="police",
                created_by=author,
            )
            for k, theme in enumerate(list(THEMES)[:4]):
                finding = Finding.objects.create(
                    visit=visit,
                    theme=theme,
                    title=f"Проблема {theme} № {i}",
                    title_kk=f"Мәселе {theme} № {i}" if k % 2 else "",
                    description="Описание проблемы, установленной группой.",
                    severity=SEVERITIES[(i + k) % 4],
                    obstacle="access_delayed" if k == 3 else "",
                    created_by=author,
                )
                if k == 0:
                    finding.interviews.add(interview)
                recommendation = Recommendation.objects.create(
                    visit=visit,
                    text_ru=f"Устранить проблему {theme} в помещении № {i}.",
                    text_kk="Мәселені жою." if k % 2 else "",
                    addressee=addressees[k % len(addressees)],
                    theme=theme,
                    level=Recommendation.Level.DEPARTMENT if k % 2 else "institution",
                    priority=["high", "medium", "low"][k % 3],
                    status=Recommendation.Status.IMPLEMENTED,
                    created_by=author,
                )
                recommendation.findings.add(finding)
                for status, month in (("issued", 6), ("implemented", 11)):
                    change = StatusChange.objects.create(
                        recommendation=recommendation, status=status, assessed_by=author
                    )
                    StatusChange.objects.filter(pk=change.pk).update(
                        assessed_at=timezone.make_aware(
                            datetime.combine(date(year, month, 1), time(12))
                        )
                    )
            Finding.objects.create(
                visit=visit,
                theme="health_care",
                title=f"Хорошая практика № {i}",
                good_practice=True,
                created_by=author,
            )


def queries(read: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        read()
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "read",
    [
        lambda: annual_report_data(start=date(YEAR, 1, 1), end=date(YEAR, 12, 31), language="kk"),
        lambda: translation_queue(YEAR, "kk"),
        lambda: recommendations_annex(year=YEAR, language="ru"),
    ],
    ids=["draft data", "translation queue", "recommendations annex"],
)
def test_the_queries_do_not_grow_with_visits_places_and_departments(
    read: Callable[[], Any], secretariat: User
) -> None:
    add_visits(1, secretariat)
    with translation.override("kk"):
        few = queries(read)
        add_visits(9, secretariat)  # nine more places, of several departments
        many = queries(read)
    assert many == few
