"""The annual report's translation queue (issue 16), through its pages: what the report of
the year uses that lacks its Kazakh (or Russian) text, who is translating it, how much is
done; taking, giving back and saving a translation; bad input changes nothing."""

import re
from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from kuzet.core.policy import Role
from kuzet.people.models import User
from kuzet.recommendations.models import Recommendation
from kuzet.recommendations.services import visit_send
from kuzet.reports.annual_data import annual_report_data
from kuzet.reports.editorial import annual_edition_open, section_save
from kuzet.reports.models import TranslationClaim
from kuzet.visits.models import Finding, Visit

pytestmark = pytest.mark.django_db
YEAR = 2026
FORCE = "Журнал применения силы не ведётся"
CELLS_KK = "Әйелдер камерасында терезе жоқ"


def need(ru: str, kk: str) -> str:
    """The language a passage lacks; Kazakh written in the Russian field lacks Russian."""
    if ru and not kk:
        return "ru" if set(ru.casefold()) & set("әғқңөұүһі") else "kk"
    return "ru" if kk and not ru else ""


def queue_url(language: str = "kk") -> str:
    return reverse("reports:annual_translations", args=[YEAR]) + f"?language={language}"


def progress_of(page: str) -> tuple[int, int]:
    found = re.search(r"Translated: (\d+) of (\d+)", page)
    assert found, page[:2000]
    return int(found.group(1)), int(found.group(2))


def post(client: Client, name: str, **data: str) -> str:
    response = client.post(
        reverse(f"reports:{name}", args=[YEAR]), {"queue": "kk", **data}, follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def sent_visit(approved_visit: Visit, secretariat: User) -> Visit:
    return visit_send(actor=secretariat, visit=approved_visit)


@pytest.fixture
def council(make_user: Callable[..., User]) -> User:
    return make_user(Role.COUNCIL, username="council")


def test_the_queue_lists_what_lacks_kazakh_and_counts_what_is_done(
    sent_visit: Visit, secretariat: User, english_client_for: Callable[[User], Client]
) -> None:
    edition = annual_edition_open(actor=secretariat, year=YEAR)
    foreword = edition.sections.get(key="foreword")
    section_save(actor=secretariat, section=foreword, text_ru="Итоги года.", text_kk="", version=0)
    client = english_client_for(secretariat)
    page = client.get(queue_url("kk")).content.decode()
    # Independently: the visit's findings and issued recommendations (the report quotes
    # every one of a single visit), one passage per printed field, and the foreword.
    findings = Finding.objects.filter(visit=sent_visit)
    quoted = findings.filter(good_practice=False, interviews__isnull=True).exclude(
        theme="treatment"
    )
    passages = [
        *findings.values_list("title", "title_kk"),
        *quoted.values_list("description", "description_kk"),
        *Recommendation.objects.filter(visit=sent_visit).values_list("text_ru", "text_kk"),
        ("Итоги года.", ""),
    ]
    needs = [need(ru, kk) for ru, kk in passages]
    assert needs.count("ru") == 2  # the Kazakh finding's title and description
    assert progress_of(page) == (needs.count(""), needs.count("") + needs.count("kk"))
    assert FORCE in page and "Итоги года." in page and "Оборудовать окна" in page
    # Missing in Russian: the finding written in Kazakh only.
    russian = client.get(queue_url("ru")).content.decode()
    assert CELLS_KK in russian and "Nobody is translating it." in russian
    assert progress_of(russian) == (needs.count(""), needs.count("") + needs.count("ru"))


def test_take_translate_and_save_then_the_report_has_the_kazakh_title(
    sent_visit: Visit,
    secretariat: User,
    council: User,
    english_client_for: Callable[[User], Client],
) -> None:
    finding = Finding.objects.get(visit=sent_visit, title=FORCE)
    source = f"finding:{finding.pk}:title"
    mine, theirs = english_client_for(secretariat), english_client_for(council)
    before = progress_of(mine.get(queue_url()).content.decode())
    page = post(mine, "annual_translation_claim", source=source, language="kk", action="claim")
    assert "The passage is yours to translate." in page and "Save the translation" in page
    # The Council member sees who has it and cannot take it too.
    page = post(theirs, "annual_translation_claim", source=source, language="kk", action="claim")
    assert "is translating this passage already" in page
    assert TranslationClaim.objects.get(source=source).claimed_by == secretariat
    # The home page lists the passage taken.
    home = mine.get("/").content.decode()
    assert "Translation of the annual report" in home and f"Finding {finding.pk}: title" in home
    page = post(
        mine,
        "annual_translation_save",
        source=source,
        language="kk",
        text="  Күш қолдану журналы жүргізілмейді  ",
    )
    assert "The translation is saved." in page
    finding.refresh_from_db()
    assert finding.title == FORCE and finding.title_kk == "Күш қолдану журналы жүргізілмейді"
    assert not TranslationClaim.objects.exists()
    assert progress_of(page) == (before[0] + 1, before[1])
    data = annual_report_data(start=date(YEAR, 1, 1), end=date(YEAR, 12, 31), language="kk")
    assert not any(FORCE[:40] in passage for passage in data["untranslated"])
    # A second translation over it is refused; the first is kept.
    page = post(theirs, "annual_translation_save", source=source, language="kk", text="Басқа")
    assert "has been translated meanwhile" in page
    finding.refresh_from_db()
    assert finding.title_kk == "Күш қолдану журналы жүргізілмейді"


def test_giving_back_and_bad_input_change_nothing(
    sent_visit: Visit,
    secretariat: User,
    council: User,
    leader: User,
    english_client_for: Callable[[User], Client],
) -> None:
    finding = Finding.objects.get(visit=sent_visit, title=FORCE)
    source = f"finding:{finding.pk}:title"
    mine, theirs = english_client_for(secretariat), english_client_for(council)
    post(mine, "annual_translation_claim", source=source, language="kk", action="claim")
    # A colleague gives it back (the translator is away): it is free again.
    page = post(theirs, "annual_translation_claim", source=source, language="kk", action="release")
    assert "The passage is back in the queue." in page
    assert not TranslationClaim.objects.exists()
    for bad, said in (
        ({"source": "finding:999999:title", "language": "kk"}, "does not use the passage"),
        ({"source": "visit:1:title", "language": "kk"}, "does not use the passage"),
        ({"source": "finding:x", "language": "kk"}, "Unknown passage"),
        ({"source": source, "language": "en"}, "Unknown language"),
    ):
        page = post(mine, "annual_translation_claim", action="claim", **bad)
        assert said in page, bad
        page = post(mine, "annual_translation_save", text="Мәтін", **bad)
        assert said in page, bad
    page = post(mine, "annual_translation_save", source=source, language="kk", text="   ")
    assert "Write the translation." in page
    # A description of a finding resting on an interview is not printed: not in the queue.
    heard = f"finding:{finding.pk}:description"
    page = post(mine, "annual_translation_save", source=heard, language="kk", text="Мәтін")
    assert "does not use the passage" in page
    assert not TranslationClaim.objects.exists()
    finding.refresh_from_db()
    assert finding.title_kk == "" and finding.description_kk == ""
    assert mine.get(queue_url("xx")).status_code == 400
    # Only those who compile the report open the queue or take a passage.
    outsider = english_client_for(leader)
    assert outsider.get(queue_url()).status_code == 403
    response = outsider.post(
        reverse("reports:annual_translation_claim", args=[YEAR]),
        {"source": source, "language": "kk", "action": "claim"},
    )
    assert response.status_code == 403 and not TranslationClaim.objects.exists()


def test_a_section_translation_is_sanitised(
    sent_visit: Visit, secretariat: User, english_client_for: Callable[[User], Client]
) -> None:
    edition = annual_edition_open(actor=secretariat, year=YEAR)
    foreword = edition.sections.get(key="foreword")
    section_save(actor=secretariat, section=foreword, text_ru="Итоги года.", text_kk="", version=0)
    client = english_client_for(secretariat)
    source = f"section:{foreword.pk}:text"
    post(client, "annual_translation_claim", source=source, language="kk", action="claim")
    post(
        client,
        "annual_translation_save",
        source=source,
        language="kk",
        text="Жыл қорытындысы.<script>alert(1)</script>",
    )
    foreword.refresh_from_db()
    assert foreword.text_kk == "Жыл қорытындысы." and foreword.version == 2
