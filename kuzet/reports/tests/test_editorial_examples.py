"""The annual report's editorial workspace, continued (issue 16): editors choose and order a
chapter's examples (frozen with the content, printed exactly so), comments per section
(internal, never printed), stale choices, and who may do what."""

import io
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from docx import Document

from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.people.models import User
from kuzet.recommendations.services import visit_send
from kuzet.reports.editorial import (
    annual_edition_open,
    comment_add,
    comment_resolve,
    edition_approve,
    section_examples,
    section_examples_set,
    section_save,
    section_set_status,
)
from kuzet.reports.models import (
    AnnualComment,
    AnnualEdition,
    AnnualExample,
    AnnualSection,
    GeneratedReport,
)
from kuzet.reports.services import report_build, report_content
from kuzet.reports.tasks import annual_edition_publish
from kuzet.reports.text import data_sha256
from kuzet.reports.translation import used_records
from kuzet.visits.models import Finding, Visit

from .helpers import docx_text, pdf_text, squash

pytestmark = pytest.mark.django_db
REGISTER = "Журнал применения силы не ведётся"  # high: first among the candidates
CELLS = "Әйелдер камерасында терезе жоқ"  # medium
ACCESS = "Не выдали журнал дисциплинарных взысканий"  # medium
COMMENT = "Проверить цифры по Алматы до утверждения"
# Who may choose examples and comment (the workspace's own people): every role.
MAY_EDIT = {
    Role.PARTICIPANT: False,
    Role.GROUP_LEADER: False,
    Role.COORDINATOR: False,
    Role.SECRETARIAT: True,
    Role.COUNCIL: True,
    Role.ADMINISTRATOR: False,
    Role.AUDITOR: False,
    Role.ADDRESSEE: False,
}


@pytest.fixture
def council(make_user: Callable[..., User]) -> User:
    return make_user(Role.COUNCIL, username="council")


def _finding(title: str) -> int:
    return Finding.objects.get(title=title).pk


def _chapter(edition: AnnualEdition) -> AnnualSection:
    return edition.sections.get(key="chapter:mia-police")


def test_every_role_table_is_complete() -> None:
    assert set(MAY_EDIT) == set(Role)


@pytest.mark.parametrize("role", list(Role))
def test_who_may_choose_examples_and_comment(
    role: Role, approved_visit: Visit, secretariat: User, make_user: Callable[..., User]
) -> None:
    user = make_user(role, username=f"u-{role}")
    edition = annual_edition_open(actor=secretariat, year=2026)
    chapter = _chapter(edition)
    register = _finding(REGISTER)
    if MAY_EDIT[role]:
        assert section_examples_set(actor=user, section=chapter, findings=[register], was=[])
        comment = comment_add(actor=user, section=chapter, text=COMMENT)
        assert comment_resolve(actor=user, comment=comment, resolved=True).resolved_at
    else:
        with pytest.raises(PermissionDenied):
            section_examples_set(actor=user, section=chapter, findings=[register], was=[])
        with pytest.raises(PermissionDenied):
            comment_add(actor=user, section=chapter, text=COMMENT)
        mine = comment_add(actor=secretariat, section=chapter, text=COMMENT)
        with pytest.raises(PermissionDenied):
            comment_resolve(actor=user, comment=mine, resolved=True)
        assert not AnnualExample.objects.exists()


def _approve_all(edition: AnnualEdition, secretariat: User, council: User) -> AnnualEdition:
    for section in edition.sections.all():
        section_set_status(actor=secretariat, section=section, status="ready")
        section_set_status(actor=council, section=section, status="approved")
    return edition_approve(actor=council, edition=edition)


def test_chosen_examples_are_frozen_and_printed_in_their_order(
    approved_visit: Visit, secretariat: User, council: User
) -> None:
    visit_send(actor=secretariat, visit=approved_visit)
    edition = annual_edition_open(actor=secretariat, year=2026)
    chapter = _chapter(edition)
    register, cells, access = _finding(REGISTER), _finding(CELLS), _finding(ACCESS)
    # Bad choices change nothing: a finding that is no candidate, one chosen twice, a
    # section without examples, a choice made by someone else meanwhile.
    good_practice = Finding.objects.get(good_practice=True).pk
    with pytest.raises(ValidationError, match="Not a candidate example"):
        section_examples_set(actor=secretariat, section=chapter, findings=[good_practice], was=[])
    with pytest.raises(ValidationError, match="chosen twice"):
        section_examples_set(actor=secretariat, section=chapter, findings=[access, access], was=[])
    with pytest.raises(ValidationError, match="Only a department's chapter"):
        section_examples_set(
            actor=secretariat, section=edition.sections.get(key="foreword"), findings=[], was=[]
        )
    # Access (medium) before the register (high): the reverse of the generated rank, and
    # the cells (also a candidate) left out.
    section_examples_set(actor=secretariat, section=chapter, findings=[access, register], was=[])
    with pytest.raises(ValidationError, match="changed the chosen examples"):
        section_examples_set(actor=council, section=chapter, findings=[cells], was=[])
    assert section_examples(chapter) == [access, register]
    assert AuditEvent.objects.filter(object_type="reports.annualexample").count() >= 2
    comment_add(actor=council, section=chapter, text=COMMENT + "<script>alert(1)</script>")
    section_save(
        actor=secretariat,
        section=edition.sections.get(key="conclusions"),
        text_ru="Совет считает **главной** проблемой *журналы*.\n\n- Вести **журналы**\n- Проверять",
        text_kk="Кеңес **басты** мәселе деп *журналдарды* санайды.\n\n- **Журналдарды** жүргізу",
        version=0,
    )

    # Changing the examples of an approved section takes it, and the edition, back to draft.
    edition = _approve_all(edition, secretariat, council)
    section_examples_set(
        actor=secretariat,
        section=chapter,
        findings=[access, register, cells],
        was=[access, register],
    )
    chapter.refresh_from_db()
    edition.refresh_from_db()
    assert chapter.status == "draft" and edition.status == AnnualEdition.Status.DRAFT
    section_examples_set(
        actor=secretariat,
        section=chapter,
        findings=[access, register],
        was=[access, register, cells],
    )
    edition = _approve_all(edition, secretariat, council)

    files = annual_edition_publish(actor=secretariat, edition=edition, marked=True)
    edition.refresh_from_db()
    assert all(f.status == GeneratedReport.Status.DONE for f in files)
    for language in ("ru", "kk"):
        frozen = next(c for c in edition.content[language]["chapters"] if c["code"] == "mia-police")
        assert frozen["chosen"] == [access, register]
        assert [c["finding"] for c in frozen["candidates"]] == [access, register]
    assert edition.content_sha256 == data_sha256(edition.content)
    assert COMMENT not in str(edition.content)  # comments are never printed
    for report in files:
        content = report_content(report)
        text = docx_text(content) if report.format == "docx" else pdf_text(content)
        flat = squash(text)
        examples = flat[
            flat.index(squash("Примеры:" if report.language == "ru" else "Мысалдар:")) :
        ]
        assert squash(ACCESS) in examples and squash(REGISTER) in examples, report
        assert examples.index(squash(ACCESS)) < examples.index(squash(REGISTER)), report
        assert squash(CELLS) not in examples.split(squash(REGISTER))[0], report
        assert squash(COMMENT) not in flat
    # The narrative's emphasis is kept as emphasis (the marks are not printed).
    docx = next(f for f in files if f.language == "ru" and f.format == "docx")
    paragraphs = Document(io.BytesIO(report_content(docx))).paragraphs
    runs = [(r.text, bool(r.bold), bool(r.italic)) for p in paragraphs for r in p.runs]
    assert ("главной", True, False) in runs and ("журналы", False, True) in runs
    assert ("журналы", True, False) in runs  # in a list item
    assert not any("**" in p.text or "*ж" in p.text for p in paragraphs)
    pdf = next(f for f in files if f.language == "kk" and f.format == "pdf")
    assert "Кеңес басты мәселе деп журналдарды санайды" in pdf_text(report_content(pdf))
    # Published: the choice never changes.
    with pytest.raises(ValidationError, match="published"):
        section_examples_set(
            actor=secretariat, section=chapter, findings=[register], was=[access, register]
        )
    assert section_examples(chapter) == [access, register]
    # A correction is a new edition that starts from the published text and choice.
    correction = annual_edition_open(actor=secretariat, year=2026)
    assert correction.number == 2 and correction.status == AnnualEdition.Status.DRAFT
    assert section_examples(_chapter(correction)) == [access, register]
    conclusions = correction.sections.get(key="conclusions")
    assert "**главной**" in conclusions.text_ru and conclusions.status == "draft"
    assert not correction.sections.filter(comments__isnull=False).exists()
    edition.refresh_from_db()
    assert edition.content_sha256 == data_sha256(edition.content)


def test_frozen_content_changed_builds_nothing(
    approved_visit: Visit, secretariat: User, council: User
) -> None:
    edition = annual_edition_open(actor=secretariat, year=2026)
    edition = _approve_all(edition, secretariat, council)
    files = annual_edition_publish(actor=secretariat, edition=edition, marked=True)
    edition.refresh_from_db()
    content = edition.content
    content["ru"]["title"] = "Другой доклад"
    AnnualEdition.objects.filter(pk=edition.pk).update(content=content)
    again = GeneratedReport.objects.get(pk=files[0].pk)
    GeneratedReport.objects.filter(pk=again.pk).update(status="queued", attempts=0, file="")
    built = report_build(again.pk)
    assert built.status == GeneratedReport.Status.FAILED
    assert "no longer matches its SHA-256" in built.error


def test_stale_choice_is_noted_and_left_out(
    approved_visit: Visit,
    secretariat: User,
    english_client_for: Callable[[User], Client],
) -> None:
    edition = annual_edition_open(actor=secretariat, year=2026)
    chapter = _chapter(edition)
    cells, access = _finding(CELLS), _finding(ACCESS)
    section_examples_set(actor=secretariat, section=chapter, findings=[cells, access], was=[])
    # The cells finding is no longer a problem (the record was amended): no candidate.
    Finding.objects.filter(pk=cells).update(good_practice=True)
    page = english_client_for(secretariat).get("/reports/annual/2026/workspace/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "1 chosen example is no longer a candidate" in body
    from kuzet.reports.services import annual_spec, report_data

    data = report_data(
        annual_spec(
            actor=secretariat,
            start=approved_visit.planned_date.replace(month=1, day=1),
            end=approved_visit.planned_date.replace(month=12, day=31),
            language="ru",
        ),
        examples={"mia-police": [cells, access]},
    )
    chapter_data = next(c for c in data["chapters"] if c["code"] == "mia-police")
    assert [c["finding"] for c in chapter_data["candidates"]] == [access]
    assert chapter_data["stale"] == [cells] and chapter_data["chosen"] == [access]
    # Saving the choice drops the stale one.
    client = english_client_for(secretariat)
    saved = client.post(
        f"/reports/annual/section/{chapter.pk}/examples/",
        {"was": f"{cells},{access}", "pick": [str(access)], f"place-{access}": "1"},
    )
    assert saved.status_code == 302
    assert section_examples(chapter) == [access]
    assert (
        "no longer a candidate"
        not in client.get("/reports/annual/2026/workspace/").content.decode()
    )


def test_the_workspace_form_orders_examples_and_refuses_bad_input(
    approved_visit: Visit,
    secretariat: User,
    leader: User,
    english_client_for: Callable[[User], Client],
) -> None:
    client = english_client_for(secretariat)
    assert client.post("/reports/annual/2026/workspace/open/").status_code == 302
    chapter = _chapter(AnnualEdition.objects.get(year=2026))
    register, cells, access = _finding(REGISTER), _finding(CELLS), _finding(ACCESS)
    page = client.get("/reports/annual/2026/workspace/").content.decode()
    assert "No example is chosen: the report gives the first 8 candidates" in page
    assert page.index(REGISTER) < page.index(ACCESS)
    url = f"/reports/annual/section/{chapter.pk}/examples/"
    # Numbers give the order; an unnumbered pick comes after the numbered ones.
    answer = client.post(
        url,
        {
            "was": "",
            "pick": [str(register), str(cells), str(access)],
            f"place-{access}": "1",
            f"place-{register}": "2",
        },
        follow=True,
    )
    assert "The chapter gives the 3 chosen examples in this order." in answer.content.decode()
    assert section_examples(chapter) == [access, register, cells]
    # The ↑ button (no script needed): the cells one place up.
    was = f"{access},{register},{cells}"
    client.post(
        url,
        {
            "was": was,
            "pick": [str(access), str(register), str(cells)],
            f"place-{access}": "1",
            f"place-{register}": "2",
            f"place-{cells}": "3",
            "move": f"{cells}:up",
        },
    )
    assert section_examples(chapter) == [access, cells, register]
    page = client.get("/reports/annual/2026/workspace/").content.decode()
    assert page.index(ACCESS) < page.index(CELLS) < page.index(REGISTER)
    # Bad input: a clear message, nothing saved.
    was = f"{access},{cells},{register}"
    for form, message in (
        (
            {"pick": [str(access)], f"place-{access}": "first"},
            "“first” is not a place in the order",
        ),
        ({"pick": [str(access)], f"place-{access}": "0"}, "“0” is not a place in the order"),
        ({"pick": ["x1"]}, "“x1” is not an example of the list"),
        ({"pick": ["999999"]}, "Not a candidate example of this chapter"),
        ({"pick": [str(access)], "was": ""}, "changed the chosen examples"),
    ):
        answer = client.post(url, {"was": was, **form}, follow=True)
        assert answer.status_code == 200 and message in answer.content.decode(), form
        assert section_examples(chapter) == [access, cells, register]
    # None chosen: the generated default, said on the page.
    client.post(url, {"was": was, "clear": "1", "pick": [str(access)]})
    assert section_examples(chapter) == []
    assert "the generated default" in client.get("/reports/annual/2026/workspace/").content.decode()
    # Someone without the workspace: refused.
    assert (
        english_client_for(leader).post(url, {"was": "", "pick": [str(access)]}).status_code == 403
    )
    assert section_examples(chapter) == []


def test_comments_are_sanitised_listed_resolved_and_refused_when_empty(
    approved_visit: Visit,
    secretariat: User,
    council: User,
    leader: User,
    english_client_for: Callable[[User], Client],
) -> None:
    client = english_client_for(secretariat)
    client.post("/reports/annual/2026/workspace/open/")
    foreword = AnnualEdition.objects.get(year=2026).sections.get(key="foreword")
    url = f"/reports/annual/section/{foreword.pk}/comment/"
    answer = client.post(url, {"text": "<b>   </b><script>x()</script>"}, follow=True)
    assert "The comment is empty" in answer.content.decode()
    assert not AnnualComment.objects.exists()
    too_long = client.post(url, {"text": "я" * 5001}, follow=True)
    assert "at most 5000 characters" in too_long.content.decode().replace("\u00a0", "")
    assert (
        english_client_for(council)
        .post(url, {"text": COMMENT + '<img src=x onerror="alert(1)">'})
        .status_code
        == 302
    )
    comment = AnnualComment.objects.get()
    assert comment.text == COMMENT and comment.author == council
    assert AuditEvent.objects.filter(object_type="reports.annualcomment").exists()
    page = client.get("/reports/annual/2026/workspace/").content.decode()
    assert COMMENT in page and "onerror" not in page and "Mark resolved" in page
    client.post(f"/reports/annual/comment/{comment.pk}/resolve/", {"resolved": "1"})
    comment.refresh_from_db()
    assert comment.resolved_by == secretariat and comment.resolved_at is not None
    assert "Open again" in client.get("/reports/annual/2026/workspace/").content.decode()
    client.post(f"/reports/annual/comment/{comment.pk}/resolve/", {"resolved": "0"})
    comment.refresh_from_db()
    assert comment.resolved_at is None
    # Outside the workspace's people: refused, nothing written.
    outsider = english_client_for(leader)
    assert outsider.post(url, {"text": "Чужой"}).status_code == 403
    assert outsider.get("/reports/annual/2026/workspace/").status_code == 403
    assert AnnualComment.objects.count() == 1
    # A section with text saved after the comment keeps its comments.
    section_save(actor=secretariat, section=foreword, text_ru="Текст", text_kk="", version=0)
    assert foreword.comments.count() == 1


def test_the_translation_queue_follows_the_choice(approved_visit: Visit, secretariat: User) -> None:
    cells, access = _finding(CELLS), _finding(ACCESS)
    assert cells in used_records(2026)[0]  # a candidate of the generated default
    edition = annual_edition_open(actor=secretariat, year=2026)
    section_examples_set(actor=secretariat, section=_chapter(edition), findings=[access], was=[])
    findings = used_records(2026)[0]
    assert access in findings and cells not in findings
