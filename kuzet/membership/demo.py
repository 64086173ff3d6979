"""Demo selection (demo configuration only): an open call with a few applications waiting
for the Council's scores and the secretariat's check, and a decided call with its outcome
published. Synthetic people; loading twice adds nothing."""

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from kuzet.core.policy import Role
from kuzet.membership.models import (
    AgendaItem,
    Answer,
    Application,
    Call,
    Ground,
    MeetingVote,
    TeamRule,
)
from kuzet.membership.services import (
    CONSENT_VERSION,
    CriterionSpec,
    RuleSpec,
    VoteSpec,
    agenda_item_add,
    call_decide,
    call_open,
    call_publish_outcome,
    email_key,
    meeting_create,
    meeting_decision_record,
    meeting_document_link,
    meeting_publish,
)
from kuzet.membership.tokens import new_reference
from kuzet.people.models import User
from kuzet.registry.models import Region

CRITERIA = [
    CriterionSpec("Опыт в сфере прав человека", "Адам құқықтары саласындағы тәжірибе", 3),
    CriterionSpec(
        "Профессиональные знания (право, медицина, психология)",
        "Кәсіби білім (құқық, медицина, психология)",
        2,
    ),
    CriterionSpec("Мотивация и независимость", "Уәждеме және тәуелсіздік", 2),
]

TEXT_RU = (
    "Национальный превентивный механизм приглашает граждан Республики Казахстан принять "
    "участие в посещениях мест лишения свободы в составе региональных групп. Участники "
    "работают на добровольной основе, проходят обучение и получают мандат на срок "
    "полномочий. Заявки принимаются через эту страницу; решение принимает Координационный "
    "совет на основе опубликованных критериев."
)
TEXT_KK = (
    "Ұлттық алдын алу тетігі Қазақстан Республикасының азаматтарын өңірлік топтар құрамында "
    "бас бостандығынан айыру орындарына барып тексеруге қатысуға шақырады. Қатысушылар "
    "ерікті негізде жұмыс істейді, оқытудан өтеді және өкілеттік мерзіміне мандат алады. "
    "Өтінімдер осы бет арқылы қабылданады; шешімді жарияланған өлшемдер негізінде "
    "Үйлестіру кеңесі қабылдайды."
)

# name, region KATO, answers that differ from "does not apply", publish name
APPLICANTS: list[tuple[str, str, dict[Ground, Answer], bool]] = [
    ("Асель Нурпеисова", "750000000", {}, True),
    ("Данияр Кенжебаев", "750000000", {}, False),
    ("Ольга Лебедева", "710000000", {Ground.REGISTER: Answer.UNSURE}, True),
    ("Руслан Ахметжанов", "710000000", {Ground.CIVIL_SERVANT: Answer.YES}, True),
]


# Selected in the demo's past call: one agreed to publication of the name, one did not.
PAST = [("Айжан Толеубаева", "750000000", True), ("Марат Искаков", "710000000", False)]


def _application(
    call: Call, name: str, kato: str, answers: dict[Ground, Answer], publish: bool
) -> Application:
    now = timezone.now()
    declarations = {g.value: answers.get(g, Answer.NO) for g in Ground}
    unsure = Answer.UNSURE in declarations.values()
    applies = Answer.YES in declarations.values()
    email = f"{new_reference().lower()}@demo.kuzet.invalid"
    application = Application(
        call=call,
        reference=new_reference(),
        full_name=f"{name} (демо)",
        email=email,
        email_key=email_key(email),
        phone="+7 700 000 00 00",
        region=Region.objects.get(kato=kato),
        education="Высшее юридическое",
        experience="Волонтёр правозащитной организации, 5 лет.",
        motivation="Хочу, чтобы условия содержания соответствовали закону.",
        declarations=declarations,
        declaration_notes="Состояла на учёте в 2005 году, снята." if unsure else "",
        consent_version=CONSENT_VERSION,
        consent_language="ru",
        consent_given_at=now,
        publish_name=publish,
        submitted_at=now - timedelta(days=3),
        email_confirmed_at=now - timedelta(days=3),
        status=(
            Application.Status.INELIGIBLE
            if applies
            else Application.Status.RECEIVED
            if unsure
            else Application.Status.ELIGIBLE
        ),
        status_reason=str(Ground.CIVIL_SERVANT.label) if applies else "",
    )
    application.full_clean()
    application.save()
    return application


@transaction.atomic
def demo_selection_create() -> int:
    """The demo calls; returns how many applications were added (0 when loaded before)."""
    if Call.objects.exists():
        return 0
    secretariat = User.objects.get(username="demo-secretariat")
    council = User.objects.filter(role=Role.COUNCIL).first()
    regions = list(Region.objects.filter(kato__in=["750000000", "710000000"]))
    now = timezone.now()
    past = call_open(
        actor=secretariat,
        title_ru="Отбор участников НПМ 2026 (демо)",
        title_kk="ҰАТ қатысушыларын іріктеу 2026 (демо)",
        text_ru=TEXT_RU,
        text_kk=TEXT_KK,
        regions=regions,
        places=2,
        deadline=now + timedelta(minutes=5),
        criteria=CRITERIA,
    )
    chosen = [_application(past, name, kato, {}, publish) for name, kato, publish in PAST]
    Call.objects.filter(pk=past.pk).update(deadline=now - timedelta(days=60))
    past.refresh_from_db()
    if council is not None:
        selection = meeting_create(
            actor=secretariat,
            date=(now - timedelta(days=45)).date(),
            title="Заседание Координационного совета по итогам отбора 2026 (демо)",
        )
        item = agenda_item_add(
            actor=secretariat, meeting=selection, title="Итоги отбора участников НПМ 2026"
        )
        call_decide(
            actor=secretariat,
            call=past,
            agenda_item=item,
            selected=chosen,
            reasons="Наивысшие баллы по опубликованным критериям (демо).",
            votes=[
                VoteSpec(m, MeetingVote.Choice.FOR)
                for m in User.objects.filter(role=Role.COUNCIL, is_active=True)
            ],
            base_url="",
            publish=True,
        )
        call_publish_outcome(actor=secretariat, call=past)
        _demo_meetings(secretariat, now)
    current = call_open(
        actor=secretariat,
        title_ru="Отбор участников НПМ 2027: г. Алматы и г. Астана",
        title_kk="ҰАТ қатысушыларын іріктеу 2027: Алматы және Астана қалалары",
        text_ru=TEXT_RU,
        text_kk=TEXT_KK,
        regions=regions,
        places=4,
        deadline=now + timedelta(days=30),
        criteria=CRITERIA,
    )
    added = [
        _application(current, name, kato, answers, publish)
        for name, kato, answers, publish in APPLICANTS
    ]
    return len(chosen) + len(added)


def _demo_meetings(secretariat: User, now: Any) -> None:
    """A published meeting on the annual report and the plan, and one not yet published."""
    council = list(User.objects.filter(role=Role.COUNCIL, is_active=True))
    year = now.year - 1
    meeting = meeting_create(
        actor=secretariat,
        date=(now - timedelta(days=20)).date(),
        title="Заседание Координационного совета № 1 (демо)",
    )
    report = agenda_item_add(
        actor=secretariat,
        meeting=meeting,
        title=f"Проект ежегодного доклада НПМ за {year} год",
        document_kind=AgendaItem.Document.ANNUAL_REPORT,
        document_link=f"/reports/annual/{year}/workspace/",
    )
    plan = agenda_item_add(
        actor=secretariat,
        meeting=meeting,
        title="План посещений на первое полугодие",
        document_kind=AgendaItem.Document.PLANNING,
        document_link="/dashboard/planning/",
    )
    agenda_item_add(
        actor=secretariat,
        meeting=meeting,
        title="Показатели качества отчётов о посещениях",
        document_kind=AgendaItem.Document.QUALITY,
        document_link="/quality/",
    )
    meeting_decision_record(
        actor=secretariat,
        meeting=meeting,
        agenda_item=report,
        text="Одобрить проект ежегодного доклада с учётом замечаний членов Совета.",
        reasons="Доклад охватывает все посещения года; замечания касаются формулировок.",
        votes=[
            VoteSpec(m, MeetingVote.Choice.FOR, "Замечания учтены в тексте." if n == 0 else "")
            for n, m in enumerate(council)
        ],
    )
    meeting_decision_record(
        actor=secretariat,
        meeting=meeting,
        agenda_item=plan,
        text="В каждой группе посещения — не менее двух человек во всех регионах.",
        reasons="Посещение в одиночку не обеспечивает ни безопасности, ни независимости.",
        votes=[VoteSpec(m, MeetingVote.Choice.FOR) for m in council],
        rule=RuleSpec(kind=TeamRule.Kind.MIN_SIZE, value=2),
    )
    meeting_document_link(actor=secretariat, meeting=meeting, key="planning", agenda_item=plan)
    meeting_publish(actor=secretariat, meeting=meeting)
    upcoming = meeting_create(
        actor=secretariat,
        date=(now + timedelta(days=10)).date(),
        title="Заседание Координационного совета № 2 (демо)",
    )
    agenda_item_add(
        actor=secretariat,
        meeting=upcoming,
        title="Состав региональных групп после отбора 2027 года",
    )
