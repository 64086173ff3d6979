"""The annex of the annual report: every recommendation of the year as XLSX (issue 16);
its figures equal counts made independently, and it holds no identity."""

import io
from collections import Counter
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kuzet.core.models import AuditEvent
from kuzet.people.models import User
from kuzet.recommendations.models import Recommendation
from kuzet.recommendations.services import visit_send
from kuzet.reports.tests.conftest import CELL, FULL_NAME
from kuzet.visits.models import Visit

pytestmark = pytest.mark.django_db


def test_the_annex_lists_every_recommendation_of_the_year(
    approved_visit: Visit,
    secretariat: User,
    leader: User,
    english_client_for: Callable[[User], Client],
) -> None:
    visit_send(actor=secretariat, visit=approved_visit)
    url = reverse("reports:annual_recommendations_annex", args=[2026])
    response = english_client_for(secretariat).get(url + "?lang=ru")
    assert response.status_code == 200
    assert "annual-2026-recommendations-ru.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    listed = list(book.worksheets[0].iter_rows(values_only=True))
    summary = list(book.worksheets[1].iter_rows(values_only=True))
    # Independently: the recommendations issued on the year's approved visits.
    issued = Recommendation.objects.filter(
        visit__planned_date__year=2026,
        visit__status__in=("approved", "sent", "closed"),
    ).exclude(status="draft")
    assert len(listed) - 1 == issued.count() == 2
    assert sorted(row[11] for row in listed[1:]) == sorted(issued.values_list("text_ru", flat=True))
    # Highest priority first (by meaning, not by the stored word).
    assert listed[1][8] == "высокий"
    by_addressee = Counter(issued.values_list("addressee__name_ru", flat=True))
    assert {row[0]: row[1] for row in summary[1:]} == dict(by_addressee)
    status_column = 2 + Recommendation.Status.values.index("issued")
    assert sum(row[status_column] for row in summary[1:]) == issued.filter(status="issued").count()
    cells = " ".join(str(v) for row in listed + summary for v in row if v is not None)
    assert FULL_NAME not in cells and CELL not in cells and "A-01" not in cells
    assert AuditEvent.objects.filter(object_id="annual-recommendations-2026.xlsx").exists()
    kazakh = english_client_for(secretariat).get(url + "?lang=kk")
    assert kazakh.status_code == 200
    assert english_client_for(secretariat).get(url + "?lang=en").status_code == 400
    assert english_client_for(leader).get(url + "?lang=ru").status_code == 403
