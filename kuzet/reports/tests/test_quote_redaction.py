"""A quote the person agreed to give reaches the external edition without the names typed
into it; the reviewer sees which quotes were changed, the internal edition is unchanged."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kuzet.people.models import User
from kuzet.reports.visit_data import visit_report_data
from kuzet.visits.models import Allegation, Visit

from .conftest import CONSENTED_QUOTE, FULL_NAME

pytestmark = pytest.mark.django_db

NAMED_QUOTE = "Дежурный Сериков Нурлан Маратович бил нас; Жаксылыков тоже это видел"


def _quote_a_name(visit: Visit) -> None:
    allegation = Allegation.objects.get(visit=visit, kind="reprisal")
    assert allegation.circumstances == CONSENTED_QUOTE
    allegation.circumstances = NAMED_QUOTE
    allegation.save()


def _circumstances(visit: Visit, edition: str, language: str) -> list[str]:
    with translation.override(language):
        data = visit_report_data(visit, edition=edition, language=language)
    return [a["circumstances"]["text"] for a in data["allegations"] if a["circumstances"]]


@pytest.mark.parametrize(
    ("language", "placeholder"), [("ru", "[имя скрыто]"), ("kk", "[аты жасырылған]")]
)
def test_the_external_edition_withholds_names_in_a_consented_quote(
    drafted_visit: Visit, language: str, placeholder: str
) -> None:
    _quote_a_name(drafted_visit)
    [external] = _circumstances(drafted_visit, "external", language)
    assert "Сериков" not in external and "Маратович" not in external
    # A coded person's surname alone is a name too (their identity is the team's record).
    assert FULL_NAME.split()[0] not in external
    assert external.startswith(f"Дежурный {placeholder} бил нас")
    assert NAMED_QUOTE in _circumstances(drafted_visit, "internal", language)


def test_the_review_tab_lists_the_quotes_withheld_without_their_text(
    drafted_visit: Visit, leader: User, client_for: Callable[[User], Client]
) -> None:
    url = reverse("visits:review_tab", args=[drafted_visit.pk])
    assert "Names withheld in the external report" not in client_for(leader).get(url).text
    _quote_a_name(drafted_visit)
    page = client_for(leader).get(url, HTTP_ACCEPT_LANGUAGE="en").text
    assert "Names withheld in the external report" in page
    assert "B-02" in page
    assert "Сериков" not in page
