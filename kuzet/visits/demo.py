"""The demo year: some sixty visits in six regions, at every stage of their life, made
through the same services a team uses (so the audit trail, the encryption, the marks the
dashboard catches up from and the register of appeals are real).

Deterministic: every draw comes from one seed; the dates are placed relative to the day the
demo is loaded (the year ending today, and the coming weeks). The services stamp each step
with the moment it is taken; the demo then dates the history of each visit as it would have
happened (``_dated``), which the audit trail, written when the demo was loaded, does not
pretend to have seen.

What lives above the visits app (recommendations and their follow-up) is passed in as
``DemoHooks`` by the command that loads the demo.
"""

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypedDict

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.schema import COMPLIANCE_LIST
from kuzet.instruments.validation import validate_response
from kuzet.people.models import User
from kuzet.registry.models import Institution, Region
from kuzet.visits.demo_media import demo_audio, demo_photo, demo_video
from kuzet.visits.demo_texts import (
    ALLEGATIONS,
    INTERVIEW_NOTES,
    SOURCES_BY_THEME,
    Facts,
    facts_for,
    finding_text,
    good_practice_text,
)
from kuzet.visits.models import (
    Allegation,
    Appeal,
    CodedPerson,
    ComplianceMark,
    CustodyEvent,
    Finding,
    Interview,
    MediaEvidence,
    ReviewComment,
    StatusChange,
    TeamMember,
    Visit,
)
from kuzet.visits.preparation import instruments_for
from kuzet.visits.services.appeals import appeal_forward, appeal_record_outcome
from kuzet.visits.services.findings import allegation_record, finding_record
from kuzet.visits.services.interviews import interview_record
from kuzet.visits.services.lifecycle import visit_times_set, visit_transition
from kuzet.visits.services.media import media_add
from kuzet.visits.services.planning import TeamPlace, visit_plan
from kuzet.visits.services.responses import response_save, response_start
from kuzet.visits.services.review import review_comment_add, review_comment_resolve

DEMO_SEED = 2026
S = Visit.Status
# How many visits end the year at each stage (60 in all).
STAGES: list[tuple[str, int]] = [
    (S.PLANNED, 5),
    (S.PREPARATION, 2),
    (S.IN_PROGRESS, 4),
    (S.DRAFTING, 3),
    (S.UNDER_REVIEW, 5),
    (S.RETURNED, 3),
    (S.APPROVED, 8),
    (S.SENT, 12),
    (S.CLOSED, 18),
]
# Days before today the planned dates of each stage fall in (negative: in the future).
DAYS_BEFORE: dict[str, tuple[int, int]] = {
    S.PLANNED: (-60, -4),
    S.PREPARATION: (-5, -1),
    S.IN_PROGRESS: (0, 2),
    S.DRAFTING: (4, 12),
    S.UNDER_REVIEW: (12, 35),
    S.RETURNED: (14, 40),
    S.APPROVED: (25, 90),
    S.SENT: (60, 240),
    S.CLOSED: (150, 340),
}
# The year before (issue 16: the annual report compares with it and follows up its
# recommendations): reports sent and mostly closed, planned 366-700 days before today.
LAST_YEAR: list[tuple[str, int]] = [(S.SENT, 6), (S.CLOSED, 16)]
LAST_YEAR_DAYS = (366, 700)
REGIONS = ["750000000", "710000000", "350000000", "610000000", "630000000", "550000000"]
# Almaty city, where the demo accounts are, has the most visits.
REGION_WEIGHTS = [4, 2, 2, 1, 1, 1]
TYPES = ["ivs", "sizo", "penal-medium", "special-reception", "psychiatric", "childrens-home",
         "medical-social", "ivs", "juvenile-adaptation", "penal-minimum", "narcology",
         "special-education", "guardhouse"]  # fmt: skip
# Share of non-compliant, partly compliant and unchecked items of a place, by its profile.
PROFILES = {"good": (0.02, 0.08, 0.05), "average": (0.05, 0.12, 0.06), "poor": (0.10, 0.15, 0.04)}
# Problems written up per visit at most: the items of further themes join the last one.
MOST_FINDINGS = 5
SECTION_THEMES = {
    "general": "access", "general_information": "access", "institution_profile": "access",
    "first_hours": "safeguards", "safeguards": "safeguards", "placement_grounds": "safeguards",
    "pretrial": "safeguards", "admin_detention": "safeguards", "legal_capacity": "safeguards",
    "placement": "safeguards", "disciplinary_arrest": "safeguards",
    "involuntary_care": "safeguards", "consent_to_treatment": "safeguards",
    "treatment": "treatment", "discipline": "treatment", "restraint": "treatment",
    "restraint_seclusion": "treatment", "material_conditions": "material_conditions",
    "food": "material_conditions", "regime": "regime", "education": "regime",
    "rehabilitation": "regime", "children": "regime", "finances": "regime",
    "health_care": "health_care", "personnel": "personnel",
}  # fmt: skip
# To whom the people who recorded an appeal allowed it to be shown.
APPEAL_CONSENTS = [
    ["npm", "commissioner", "prosecutor"],
    ["commissioner"],
    ["npm", "commissioner"],
    ["commissioner", "prosecutor", "public"],
    ["npm"],
    ["prosecutor"],
    ["npm", "commissioner", "prosecutor", "public"],
    ["commissioner", "prosecutor"],
]
NAMES = ["Иванов Сергей", "Ахметова Салтанат", "Ким Виктор", "Нурланов Айдос", "Петрова Ирина",
         "Жумабеков Ержан", "Сулейменова Айжан", "Ли Константин", "Омаров Данияр", "Беков Асхат",
         "Тарасова Людмила", "Есимов Нурсултан", "Абенова Мадина", "Попов Алексей"]  # fmt: skip
STAFF_NOTES = [
    "Заместитель начальника пояснил, что ремонт запланирован на следующий год, средства не выделены.",
    "Дежурный: в смене 3 сотрудника, ночью обход камер раз в 2 часа, записи обходов ведутся в постовой ведомости.",
    "Медицинский работник: работает на 0,5 ставки, лекарства получает раз в квартал, запас на день посещения неполный.",
    "Начальник отдела: жалоб за полгода не поступало, журнал учёта жалоб ведётся с прошлого месяца.",
]


# What the demo reviewer writes when approving a report with remaining quality warnings.
APPROVAL_REASON = (
    "Утверждено: предупреждения о качестве рассмотрены, факты подтверждены журналами "
    "учреждения и фотографиями группы."
)


@dataclass(frozen=True)
class DemoHooks:
    """What the command passes in from above the visits app."""

    # Issue the recommendations on a visit's problems: (actor, visit, problems, facts).
    recommend: Callable[[User, Visit, list[Finding], Facts], list[Any]]
    # Follow up a sent visit's recommendations up to ``today``: (visit, sent_on, today, rng).
    follow_up: Callable[[Visit, date, date, random.Random], None]
    # Send the approved report to its addressees, issuing its recommendations: (actor, visit).
    send: Callable[..., Visit]


@dataclass
class _Team:
    coordinator: User
    leader: User
    members: list[User]


def demo_year_exists() -> bool:
    return Visit.objects.filter(institution__is_demo=True).exists()


@transaction.atomic
def demo_year_create(*, hooks: DemoHooks, today: date | None = None) -> int:
    """Create the demo year unless demo visits exist; returns the number of visits made."""
    if demo_year_exists():
        return 0
    today = today or timezone.localdate()
    rng = random.Random(DEMO_SEED)  # noqa: S311  (synthetic data, not cryptography)
    secretariat = User.objects.get(username="demo-secretariat")
    teams = _teams()
    places = _places(rng)
    stages = [stage for stage, count in STAGES for _n in range(count)]
    regions = [rng.choices(REGIONS, REGION_WEIGHTS)[0] for _s in stages]
    # The year before comes after, with its own numbers: this year's visits stay as they were.
    last_year = [stage for stage, count in LAST_YEAR for _n in range(count)]
    regions += [rng.choices(REGIONS, REGION_WEIGHTS)[0] for _s in last_year]
    stages += last_year
    made = 0
    used: set[tuple[int, date]] = set()
    texts: set[str] = set()  # every description of the year, so that none is written twice
    for number, (stage, kato) in enumerate(zip(stages, regions, strict=True)):
        low, high = LAST_YEAR_DAYS if number >= sum(n for _s, n in STAGES) else DAYS_BEFORE[stage]
        day = today - timedelta(days=rng.randint(low, high))
        institution = places[kato][number % len(places[kato])]
        while (institution.pk, day) in used:
            day -= timedelta(days=1)
        used.add((institution.pk, day))
        _DemoVisit(
            rng=random.Random(f"{DEMO_SEED}-{number}"),  # noqa: S311
            number=number,
            stage=stage,
            day=day,
            today=today,
            institution=institution,
            team=teams[kato],
            secretariat=secretariat,
            hooks=hooks,
            texts=texts,
        ).make()
        made += 1
    return made


def _teams() -> dict[str, _Team]:
    teams = {}
    for kato in REGIONS:
        people = list(
            User.objects.filter(
                memberships__group__region__kato=kato, username__startswith="demo-"
            ).order_by("username")
        )
        coordinator = next(p for p in people if p.role == "coordinator")
        leader = next(
            (p for p in people if p.username == "demo-leader"),
            next(p for p in people if p.role == "group_leader"),
        )
        members = [p for p in people if p.role == "participant"]
        teams[kato] = _Team(coordinator, leader, members)
    return teams


def _places(rng: random.Random) -> dict[str, list[Institution]]:
    """Demo institutions of the regions, of the varied types the year visits."""
    places: dict[str, list[Institution]] = {}
    for kato in REGIONS:
        region = Region.objects.get(kato=kato)
        found: list[Institution] = []
        for code in TYPES:
            institution = (
                Institution.objects.filter(region=region, is_demo=True, type__code=code)
                .exclude(pk__in=[i.pk for i in found])
                .order_by("pk")
                .first()
            )
            if institution is not None:
                found.append(institution)
        rng.shuffle(found)
        # The National Security Committee's remand prison, where a region has one: its
        # chapter of the annual report has visits too (placed after the shuffle, so that
        # the year's draws stay as they were).
        nsc = (
            Institution.objects.filter(region=region, is_demo=True, type__code="nsc-detention")
            .order_by("pk")
            .first()
        )
        if nsc is not None:
            found = [nsc, *found]
            # In the place of the minimum-security colony, whose turns fall in this year
            # (the colonies have the penal system's chapter full without it).
            colony = next((i for i, p in enumerate(found) if p.type.code == "penal-minimum"), None)
            if colony is not None:
                found[0], found[colony] = found[colony], found[0]
        places[kato] = found
    return places


class _Texts(TypedDict):
    title: str
    description: str
    title_kk: str
    description_kk: str


def _in_language(title: str, description: str) -> _Texts:
    """The finding's fields for a text written in Kazakh (the Kazakh fields) or Russian."""
    if set(title.casefold() + description.casefold()) & KAZAKH_LETTERS:
        return _Texts(title="", description="", title_kk=title, description_kk=description)
    return _Texts(title=title, description=description, title_kk="", description_kk="")


KAZAKH_LETTERS = frozenset("әғқңөұүһі")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


class _DemoVisit:
    """One visit of the demo year, taken as far as its stage."""

    def __init__(
        self,
        *,
        rng: random.Random,
        number: int,
        stage: str,
        day: date,
        today: date,
        institution: Institution,
        team: _Team,
        secretariat: User,
        hooks: DemoHooks,
        texts: set[str],
    ) -> None:
        self.texts = texts
        self.rng, self.number, self.stage, self.day, self.today = rng, number, stage, day, today
        self.institution, self.team, self.secretariat, self.hooks = (
            institution, team, secretariat, hooks,
        )  # fmt: skip
        self.leader = team.leader
        self.members = rng.sample(team.members, min(len(team.members), rng.choice([1, 2])))
        self.profile = rng.choice(["good", "average", "average", "poor", "poor"])
        self.facts = facts_for(
            rng, institution.type.code, day, institution.capacity or 50,
            institution.population or 40,
        )  # fmt: skip
        self.start = _at(day, rng.choice([9, 10, 11]), rng.choice([0, 15, 30, 45]))
        # A visit going on today started a few hours ago, whatever the hour of loading.
        self.start = min(self.start, timezone.now() - timedelta(hours=3))
        self.end = self.start + timedelta(hours=rng.randint(4, 7), minutes=rng.choice([0, 20, 40]))
        self.order = list(S.values).index(stage)
        self.visit: Visit

    def step(self, actor: User, to: str, at: datetime, comment: str = "") -> None:
        self.visit = visit_transition(actor=actor, visit=self.visit, to_status=to, comment=comment)
        change = self.visit.history.latest("pk")
        StatusChange.objects.filter(pk=change.pk).update(at=at)

    def make(self) -> None:
        kind = Visit.Kind.REGULAR
        if self.number % 9 == 4:
            kind = Visit.Kind.SPECIAL
        elif self.number % 11 == 7:
            kind = Visit.Kind.THEMATIC
        self.visit = visit_plan(
            actor=self.team.coordinator,
            institution=self.institution,
            planned_date=self.day,
            team=[TeamPlace(self.leader, TeamMember.Role.LEADER)]
            + [TeamPlace(m, TeamMember.Role.MEMBER) for m in self.members],
            kind=kind,
            announced=self.number % 5 == 0,
            objectives=self.rng.choice(
                [
                    "Условия содержания и гарантии первых часов после поступления; проверка журналов за последние три месяца.",
                    "Обращение с содержащимися и медицинская помощь; проверка исполнения рекомендаций прошлого посещения.",
                    "Материально-бытовые условия в зимний период, доступ к прогулке и связи с родственниками.",
                    "Проверка сообщений о применении силы и о мерах стеснения; конфиденциальные беседы.",
                ]
            ),
            theme="Доступ к медицинской помощи" if kind == Visit.Kind.THEMATIC else "",
        )
        StatusChange.objects.filter(visit=self.visit).update(
            at=_at(self.day - timedelta(days=21), 10)
        )
        if self.stage == S.PLANNED:
            return
        self.step(self.leader, S.PREPARATION, _at(self.day - timedelta(days=7), 11))
        if self.stage == S.PREPARATION:
            return
        self.visit = visit_times_set(
            actor=self.leader,
            visit=self.visit,
            started_at=self.start,
            ended_at=None if self.stage == S.IN_PROGRESS else self.end,
        )
        self.step(self.leader, S.IN_PROGRESS, self.start)
        self.record()
        if self.stage == S.IN_PROGRESS:
            self._dated()
            return
        self.step(self.leader, S.DEBRIEFED, self.end)
        self.step(self.leader, S.DRAFTING, self.end + timedelta(days=1))
        problems = [f for f in self.findings if not f.good_practice]
        self.hooks.recommend(self.leader, self.visit, problems, self.facts)
        if self.stage == S.DRAFTING:
            self._dated()
            return
        submitted = self.end + timedelta(days=self.rng.randint(4, 9))
        self.step(self.leader, S.UNDER_REVIEW, submitted)
        returned_once = self.stage == S.RETURNED or (
            self.order > list(S.values).index(S.UNDER_REVIEW) and self.number % 4 == 1
        )
        if returned_once:
            self.review_return(submitted + timedelta(days=3))
            if self.stage == S.RETURNED:
                self._dated()
                return
            for comment in self.visit.review_comments.all():
                review_comment_resolve(actor=self.leader, comment=comment)
            submitted += timedelta(days=8)
            self.step(self.leader, S.UNDER_REVIEW, submitted)
        if self.stage == S.UNDER_REVIEW:
            self._dated()
            return
        approved = submitted + timedelta(days=self.rng.randint(3, 8))
        # Approval over remaining quality warnings needs the reviewer's reason (quality app).
        self.step(self.secretariat, S.APPROVED, approved, APPROVAL_REASON)
        if self.stage == S.APPROVED:
            self._dated()
            return
        sent_on = approved.date() + timedelta(days=self.rng.randint(2, 6))
        self.visit = self.hooks.send(actor=self.secretariat, visit=self.visit)
        change = self.visit.history.latest("pk")
        StatusChange.objects.filter(pk=change.pk).update(at=_at(sent_on, 15))
        self._dated()
        self.hooks.follow_up(self.visit, sent_on, self.today, self.rng)
        if self.stage == S.CLOSED:
            closed = min(self.today, sent_on + timedelta(days=self.rng.randint(90, 140)))
            self.step(self.secretariat, S.CLOSED, _at(closed, 12))

    # --- The record ---------------------------------------------------------------------

    def record(self) -> None:
        complete = self.stage != S.IN_PROGRESS
        self.marks = self.checklist(complete=complete)
        self.interviews = self.interview_people(count=self.rng.randint(2, 4) if complete else 2)
        self.findings = self.write_findings(complete=complete)
        if complete and self.rng.random() < 0.4:
            self.allege()
        self.add_media(complete=complete)

    def checklist(self, *, complete: bool) -> list[ComplianceMark]:
        versions = [
            v
            for v in instruments_for(self.institution)
            if v.document.get("kind") == "checklist"
            and self.institution.type.code in v.document.get("institution_types", [])
        ]
        if not versions:
            return []
        version = versions[0]
        response = response_start(actor=self.leader, visit=self.visit, version=version)
        answers = self.answers(version, complete=complete)
        response = response_save(
            actor=self.leader, response=response, answers=answers, revision=response.revision
        )
        return list(response.marks.all())

    def answers(self, version: InstrumentVersion, *, complete: bool) -> dict[str, Any]:
        document = version.document
        non, partly, unchecked = PROFILES[self.profile]
        choices = {
            name: [c["name"] for c in items] for name, items in document["choice_lists"].items()
        }

        def fill(question: dict[str, Any], into: dict[str, Any]) -> None:
            qtype, name = question["type"], question["name"]
            if qtype == "compliance":
                if not complete and self.rng.random() < 0.5:
                    return
                draw = self.rng.random()
                into[name] = (
                    "non_compliant" if draw < non
                    else "partly" if draw < non + partly
                    else "not_checked" if draw < non + partly + unchecked
                    else "compliant"
                )  # fmt: skip
            elif question.get("required"):
                if qtype == "integer":
                    into[name] = min(5000, self.institution.capacity or 40)
                elif qtype in ("select_one", "select_multiple"):
                    first = choices.get(question.get("choices") or COMPLIANCE_LIST, [""])[0]
                    into[name] = [first] if qtype == "select_multiple" else first
                else:
                    into[name] = str(self.facts.room())

        answers: dict[str, Any] = {}
        for section in document["sections"]:
            for item in section["items"]:
                if item["kind"] == "repeat":
                    instances = []
                    for room in self.facts.rooms[: self.rng.randint(1, 2)]:
                        instance: dict[str, Any] = {}
                        for question in item["items"]:
                            fill(question, instance)
                        text_names = [
                            q["name"] for q in item["items"]
                            if q["type"] == "text" and q.get("required")
                        ]  # fmt: skip
                        for name in text_names:
                            instance[name] = str(room)
                        instances.append(instance)
                    answers[item["name"]] = instances
                else:
                    fill(item, answers)
        # Constraints between answers the filler does not know: drop what does not validate.
        for _attempt in range(3):
            errors = validate_response(document, answers).errors
            if not errors:
                break
            for path in errors:
                name, _sep, inner = path.partition(".")
                if inner and "[" in name:
                    repeat, index = name[:-1].split("[")
                    answers[repeat][int(index) - 1].pop(inner, None)
                else:
                    answers.pop(path, None)
        return answers

    def interview_people(self, *, count: int) -> list[Interview]:
        letter = "ABCDEFGHKLMNPRST"[self.number % 16]
        interviews = []
        visit_minutes = int((self.end - self.start).total_seconds() // 60)
        for n in range(1, count + 1):
            consents = self.rng.random() > 0.12
            at = self.start + timedelta(minutes=self.rng.randint(20, max(30, visit_minutes - 30)))
            risk = (
                self.rng.choice(["unknown", "low", "low", "medium", "high"])
                if consents
                else "unknown"
            )
            room = self.facts.room()
            interviews.append(
                interview_record(
                    actor=self.rng.choice([self.leader, *self.members]),
                    visit=self.visit,
                    kind=Interview.Kind.INDIVIDUAL,
                    conducted_at=min(at, timezone.now() - timedelta(minutes=5)),
                    person_code=f"{letter}-{n:02d}",
                    identity={
                        "full_name": self.rng.choice(NAMES),
                        "birth_date": f"{self.rng.randint(1962, 2006)}",
                        "cell": f"№ {room}",
                    },
                    consent_interview=consents,
                    consent_quote=consents and self.rng.random() < 0.5,
                    consent_transmit=consents and self.rng.random() < 0.6,
                    vulnerabilities=self.rng.sample(
                        [
                            "first_detention",
                            "illness",
                            "disability",
                            "foreigner",
                            "language",
                            "woman",
                        ],
                        self.rng.choice([0, 0, 1, 2]),
                    )
                    if consents
                    else [],
                    fears_reprisals=(self.rng.random() < 0.3) if consents else None,
                    reprisal_risk=risk,
                    follow_up_on=self.day + timedelta(days=self.rng.randint(30, 60))
                    if risk in ("medium", "high")
                    else None,
                    notes=self.rng.choice(INTERVIEW_NOTES).format(
                        d=f"{self.day - timedelta(days=self.rng.randint(3, 40)):%d.%m.%Y}",
                        room=self.facts.w["room"].capitalize(),
                        r=room,
                    )
                    if consents
                    else "",
                )
            )
        if count > 2:
            interviews.append(
                interview_record(
                    actor=self.leader,
                    visit=self.visit,
                    kind=self.rng.choice([Interview.Kind.STAFF, Interview.Kind.ADMINISTRATION,
                                          Interview.Kind.MEDICAL]),
                    conducted_at=self.start + timedelta(minutes=15),
                    consent_interview=True,
                    notes=self.rng.choice(STAFF_NOTES),
                )
            )  # fmt: skip
        return interviews

    def write_findings(self, *, complete: bool) -> list[Finding]:
        by_theme: dict[str, list[ComplianceMark]] = defaultdict(list)
        for mark in self.marks:
            if mark.value == "non_compliant":
                by_theme[SECTION_THEMES.get(mark.section, "material_conditions")].append(mark)
        groups = sorted(by_theme.items(), key=lambda group: -len(group[1]))
        if len(groups) > MOST_FINDINGS:
            rest = [m for _theme, marks in groups[MOST_FINDINGS - 1 :] for m in marks]
            groups = [*groups[: MOST_FINDINGS - 1], (groups[MOST_FINDINGS - 1][0], rest)]
        citable = [i for i in self.interviews if i.consent_interview and i.person_id]
        findings = []
        for theme, marks in groups:
            kazakh = self.rng.random() < 0.12
            title, description = finding_text(theme, self.facts, kazakh=kazakh)
            while description in self.texts:
                title, description = finding_text(theme, self.facts)
            self.texts.add(description)
            severity = (
                self.rng.choice(["low", "medium"]) if len(marks) == 1
                else self.rng.choice(["medium", "high"]) if len(marks) < 4
                else self.rng.choice(["high", "critical"])
            )  # fmt: skip
            obstacle = ""
            if theme == "access" and self.rng.random() < 0.5:
                obstacle = self.rng.choice(["access_delayed", "documents_refused"])
            findings.append(
                finding_record(
                    actor=self.leader,
                    visit=self.visit,
                    theme=theme,
                    # Some teams write in Kazakh first: the Russian text follows in the
                    # secretariat's translation for the annual report (reports.demo).
                    **_in_language(title, description),
                    sources=SOURCES_BY_THEME[theme],
                    severity=severity,
                    obstacle=obstacle,
                    interviews=self.rng.sample(citable, min(len(citable), self.rng.randint(0, 2)))
                    if "detainees" in SOURCES_BY_THEME[theme]
                    else [],
                    items=marks,
                )
            )
        if complete and self.rng.random() < 0.6:
            kazakh = self.rng.random() < 0.2
            title, description = good_practice_text(self.facts, kazakh=kazakh)
            while description in self.texts:
                title, description = good_practice_text(self.facts)
            self.texts.add(description)
            findings.append(
                finding_record(
                    actor=self.leader,
                    visit=self.visit,
                    theme=self.rng.choice(["safeguards", "regime", "health_care", "personnel"]),
                    **_in_language(title, description),
                    sources=["observation", "documents"],
                    good_practice=True,
                )
            )
        return findings

    def allege(self) -> None:
        willing = [i for i in self.interviews if i.consent_transmit and i.person_id]
        if not willing:
            return
        interview = self.rng.choice(willing)
        index = self.rng.randrange(len(ALLEGATIONS))
        circumstances, perpetrator, methods, injuries = ALLEGATIONS[index]
        occurred = self.day - timedelta(days=self.rng.randint(3, 40))
        referral = self.rng.choice(
            [
                Allegation.Referral.PROSECUTOR,
                Allegation.Referral.COMMISSIONER,
                Allegation.Referral.NONE,
            ]
        )
        assert interview.person is not None
        allegation_record(
            actor=self.leader,
            visit=self.visit,
            person=interview.person,
            kind=Allegation.Kind.REPRISAL if index in (2, 5) else Allegation.Kind.ILL_TREATMENT,
            circumstances=circumstances.format(d=f"{occurred:%d.%m.%Y}"),
            perpetrator=perpetrator,
            methods=methods,
            occurred_on=occurred,
            place=self.rng.choice(
                [
                    "служебный автомобиль",
                    "кабинет № 12",
                    "коридор второго этажа",
                    "дисциплинарный изолятор",
                ]
            ),
            injuries_observed=injuries,
            medical_documentation=bool(injuries) or None,
            consent_transmit=True,
            referral=referral,
            extent=self.rng.choice(list(Allegation.Extent.values)),
        )

    def add_media(self, *, complete: bool) -> None:
        author = self.rng.choice([self.leader, *self.members])
        problems = [f for f in self.findings if not f.good_practice]
        for finding in problems[:1]:
            room = self.facts.room()
            self._upload(
                author, f"photo-{room}.jpg", demo_photo(self.rng), kind="photo", finding=finding,
                description=f"{self.facts.w['room'].capitalize()} № {room}: {finding.title}",
            )  # fmt: skip
        people = [i for i in self.interviews if i.consent_interview and i.person_id]
        if people and self.rng.random() < 0.3:
            self._upload(
                author, "interview.wav", demo_audio(self.rng), kind="audio",
                interview=self.rng.choice(people), description="Аудиозапись беседы с согласия лица",
            )  # fmt: skip
        if complete and people and self.number % 5 == 1:
            shown_to = APPEAL_CONSENTS[self.number % len(APPEAL_CONSENTS)]
            item = self._upload(
                author, "appeal.webm", demo_video(self.rng), kind="video",
                interview=self.rng.choice(people),
                description="Видеообращение к Уполномоченному по правам человека",
                appeal_consent={"recorded": True, "shown_to": shown_to},
            )  # fmt: skip
            self.appeal_media = item

    def _upload(self, author: User, name: str, data: bytes, **options: Any) -> MediaEvidence:
        captured = self.start + timedelta(minutes=self.rng.randint(30, 150))
        captured = min(captured, timezone.now() - timedelta(minutes=5))
        return media_add(
            actor=author,
            visit=self.visit,
            upload=SimpleUploadedFile(name, data),
            captured_at=captured,
            device=f"Планшет группы № {self.rng.randint(1, 4)}",
            **options,
        )

    def review_return(self, at: datetime) -> None:
        reviewer = self.team.coordinator
        section, text = self.rng.choice(
            [
                (
                    "findings",
                    "В описании нарушения не указано, за какой период проверен журнал и сколько записей в нём; уточните.",
                ),
                (
                    "recommendations",
                    "Рекомендация о ремонте адресована администрации, но решение о финансировании принимает департамент; переадресуйте.",
                ),
                (
                    "interviews",
                    "По беседе с лицом, опасающимся репрессий, не назначена дата последующей проверки.",
                ),
                (
                    "responses",
                    "Пункт о видеонаблюдении отмечен как «не проверялось», хотя в выводах есть сведения о камерах; согласуйте.",
                ),
            ]
        )
        review_comment_add(actor=reviewer, visit=self.visit, section=section, text=text)
        ReviewComment.objects.filter(visit=self.visit).update(created_at=at)
        self.step(
            reviewer,
            S.RETURNED,
            at,
            comment="Возвращено на доработку: см. замечания по разделам. Срок — 5 рабочих дней.",
        )

    # --- Dating ---------------------------------------------------------------------------

    def _dated(self) -> None:
        """Date the records of the visit as they would have been made: on the day of the
        visit, and the appeal register's entries as the secretariat would have handled them."""
        visit = self.visit
        written = self.end if self.stage != S.IN_PROGRESS else self.start + timedelta(hours=1)
        CodedPerson.objects.filter(visit=visit).update(created_at=self.start)
        Finding.objects.filter(visit=visit).update(created_at=written)
        visit.responses.update(created_at=self.start, updated_at=written)
        media = MediaEvidence.objects.filter(visit=visit)
        media.update(uploaded_at=written)
        CustodyEvent.objects.filter(media__visit=visit).exclude(kind="captured").update(at=written)
        Appeal.objects.filter(visit=visit).update(registered_at=written)
        appeal = getattr(self, "appeal_media", None)
        if appeal is not None and self.order >= list(S.values).index(S.UNDER_REVIEW):
            self._handle_appeal(appeal)

    def _handle_appeal(self, media: MediaEvidence) -> None:
        appeal = Appeal.objects.get(media=media)
        recipients = [code for code in ("commissioner", "prosecutor") if code in appeal.shown_to]
        if not recipients:
            return
        forwarded = min(self.today, self.day + timedelta(days=self.rng.randint(3, 9)))
        appeal = appeal_forward(
            actor=self.secretariat,
            appeal=appeal,
            to=recipients[0],
            on=forwarded,
            reference=f"03-12/{1000 + self.number * 7}",
        )
        answered = forwarded + timedelta(days=self.rng.randint(20, 45))
        if answered <= self.today:
            appeal_record_outcome(
                actor=self.secretariat,
                appeal=appeal,
                outcome=self.rng.choice(
                    [
                        "Прокуратура провела проверку, вынесено представление об устранении нарушений; лицо переведено в другую камеру.",
                        "Уполномоченный принял обращение к рассмотрению, направлен запрос в департамент; ответ получен, нарушение подтверждено частично.",
                        "По результатам проверки факты не подтвердились; лицу разъяснено право обжаловать решение в суд.",
                    ]
                ),
                on=answered,
            )


@transaction.atomic
def demo_visit_create() -> int:
    """The small demo (``load_demo_data --no-year``, for the browser tests): one visit planned
    in Almaty city by the demo coordinator, with the demo leader and participant."""
    if Visit.objects.filter(institution__is_demo=True).exists():
        return 0
    coordinator = User.objects.get(username="demo-coordinator")
    institution = Institution.objects.filter(
        is_demo=True, region__kato="750000000", type__code="ivs"
    ).first()
    if institution is None:
        return 0
    visit_plan(
        actor=coordinator,
        institution=institution,
        planned_date=timezone.localdate() + timedelta(days=7),
        team=[
            TeamPlace(User.objects.get(username="demo-leader"), TeamMember.Role.LEADER),
            TeamPlace(User.objects.get(username="demo-participant"), TeamMember.Role.MEMBER),
        ],
        objectives="Демонстрационное посещение: условия содержания и гарантии первых часов задержания.",
    )
    return 1
