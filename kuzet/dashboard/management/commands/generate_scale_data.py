"""manage.py generate_scale_data: a synthetic national data set for benchmarks and demos.

SCALE DATA IS SYNTHETIC. It is written with ``bulk_create``, so it BYPASSES THE AUDIT TRAIL
(no audit event for any row it writes); every institution is marked ``is_demo`` and named
"(синтетика)". It refuses to run unless the database is a demo or benchmark one: set
KUZET_DEMO=1, or pass --i-know-this-is-not-production. Deterministic for a seed.
"""

import random
import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from kuzet.core.policy import Role
from kuzet.dashboard.facts import facts_rebuild
from kuzet.instruments.models import InstrumentAssignment, InstrumentVersion
from kuzet.instruments.schema import walk
from kuzet.people.models import User
from kuzet.recommendations.models import Addressee, Recommendation
from kuzet.registry.models import Institution as Inst
from kuzet.registry.models import InstitutionType, Region
from kuzet.visits.models import (
    THEMES,
    Allegation,
    CodedPerson,
    ComplianceMark,
    Interview,
    Response,
    Visit,
)

BATCH = 5000
# Relative number of places by type (a national inventory is mostly police rooms,
# social care and children's homes; few high-security colonies).
TYPE_SHARE = {
    "ivs": 9,
    "special-room": 14,
    "special-reception": 3,
    "reception-distribution": 1,
    "juvenile-adaptation": 1,
    "sizo": 2,
    "penal-minimum": 2,
    "penal-medium": 3,
    "penal-medium-juvenile": 0.3,
    "penal-maximum": 1,
    "penal-mixed": 0.5,
    "penal-extreme": 0.2,
    "penal-medical": 0.5,
    "nsc-detention": 0.5,
    "guardhouse": 4,
    "disciplinary-unit": 0.3,
    "psychiatric": 4,
    "psychiatric-intensive": 0.3,
    "narcology": 3,
    "infant-home": 2,
    "childrens-home": 8,
    "special-education": 2,
    "special-regime-education": 0.5,
    "medical-social": 10,
    "medical-social-psychoneuro": 5,
    "medical-social-children": 3,
}
CAPACITY = {"ivs": (10, 60), "special-room": (2, 10), "sizo": (200, 1500)}
S = Visit.Status
R = Recommendation.Status


class Command(BaseCommand):
    help = (
        "Generate SYNTHETIC national-scale data (institutions, visits, interviews, "
        "allegations, checklist answers, recommendations over N years) with bulk_create. "
        "It BYPASSES THE AUDIT TRAIL and is for demo or benchmark databases only: needs "
        "KUZET_DEMO=1 or --i-know-this-is-not-production. Deterministic for --seed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--institutions", type=int, default=10_000)
        parser.add_argument("--visits", type=int, default=100_000)
        parser.add_argument(
            "--answers", type=int, default=1_000_000, help="checklist answers (ComplianceMark rows)"
        )
        parser.add_argument("--recommendations", type=int, default=300_000)
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--i-know-this-is-not-production", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEMO or options["i_know_this_is_not_production"]):
            raise CommandError(
                "scale data is synthetic and bypasses the audit trail: run it only on a demo "
                "or benchmark database (KUZET_DEMO=1 or --i-know-this-is-not-production)"
            )
        for name in ("institutions", "visits", "answers", "recommendations", "years"):
            if options[name] < 0 or (name == "years" and options[name] < 1):
                raise CommandError(f"--{name} must be positive")
        if Inst.objects.filter(name_ru__endswith="(синтетика)").exists():
            raise CommandError("scale data is already in this database")
        if not InstrumentVersion.objects.published().exists():
            call_command("load_library", verbosity=0)
        started = timezone.now()
        with transaction.atomic():
            counts = Generator(options).run()
            # bulk_create bypasses the services that keep the dashboard's facts current.
            facts_rebuild()
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(
            "synthetic scale data (audit trail bypassed): "
            + ", ".join(f"{v:,} {k}" for k, v in counts.items())
            + f" in {seconds:.0f} s"
        )


class Generator:
    def __init__(self, options: dict[str, Any]) -> None:
        self.o = options
        self.rng = random.Random(options["seed"])  # noqa: S311  (synthetic data)
        self.today = timezone.localdate()
        self.first_day = self.today - timedelta(days=365 * options["years"])
        self.counts: dict[str, int] = {}

    def run(self) -> dict[str, int]:
        self.author = self._author()
        institutions = self._institutions()
        addressees = self._addressees()
        visits = self._visits(institutions)
        self._interviews_and_allegations(visits)
        self._responses(visits)
        self._recommendations(visits, addressees)
        return self.counts

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _author(self) -> User:
        user, _created = User.objects.get_or_create(
            username="scale-data",
            defaults={"role": Role.SECRETARIAT, "is_active": False, "full_name": "Синтетика"},
        )
        return user

    def _institutions(self) -> list[Inst]:
        rng = self.rng
        regions = list(Region.objects.order_by("kato"))
        # Bigger regions hold more places: a fixed, plausible weight per region.
        region_weights = [rng.uniform(0.5, 2.0) for _ in regions]
        types = {t.code: t for t in InstitutionType.objects.select_related("department")}
        codes = [c for c in TYPE_SHARE if c in types]
        weights = [TYPE_SHARE[c] for c in codes]
        rows = []
        number: dict[tuple[int, str], int] = defaultdict(int)
        for _n in range(self.o["institutions"]):
            region = rng.choices(regions, region_weights)[0]
            kind = types[rng.choices(codes, weights)[0]]
            number[(region.pk, kind.code)] += 1
            low, high = CAPACITY.get(kind.code, (30, 600))
            capacity = rng.randint(low, high)
            name = f"{kind.short_name_ru or kind.name_ru} № {number[(region.pk, kind.code)]}, {region.centre_ru} (синтетика)"
            rows.append(
                Inst(
                    name_ru=name,
                    name_kk=name,
                    name_key=Inst.name_key_of(name),
                    search_text=Inst.name_key_of(name),
                    type=kind,
                    department=kind.department,
                    region=region,
                    address=f"{region.centre_ru}",
                    capacity=capacity,
                    population=round(capacity * rng.uniform(0.4, 1.35)),
                    status=Inst.Status.ACTIVE if rng.random() > 0.03 else Inst.Status.CLOSED,
                    closed_on=None,
                    is_demo=True,
                )
            )
        for row in rows:
            if row.status == Inst.Status.CLOSED:
                row.closed_on = self.today - timedelta(days=rng.randint(30, 2000))
        created = Inst.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["institutions"] = len(created)
        return created

    def _addressees(self) -> list[Addressee]:
        rows = []
        for region in Region.objects.order_by("kato"):
            for kind, label in (("akimat", "Акимат"), ("prosecutor", "Прокуратура")):
                rows.append(
                    Addressee(
                        code=f"scale-{kind}-{region.kato}",
                        name_ru=f"{label}: {region.name_ru} (синтетика)",
                        kind=kind,
                        region=region,
                    )
                )
        for n, name in enumerate(
            [
                "Министерство внутренних дел",
                "Комитет уголовно-исполнительной системы",
                "Министерство здравоохранения",
                "Министерство просвещения",
                "Министерство труда и социальной защиты населения",
                "Министерство обороны",
                "Комитет национальной безопасности",
                "Генеральная прокуратура",
            ]
        ):
            rows.append(
                Addressee(
                    code=f"scale-ministry-{n}", name_ru=f"{name} (синтетика)", kind="ministry"
                )
            )
        rows.append(
            Addressee(
                code="scale-administration",
                name_ru="Администрация учреждения (синтетика)",
                kind="administration",
            )
        )
        return Addressee.objects.bulk_create(rows, batch_size=BATCH)

    def _visits(self, institutions: list[Inst]) -> list[Visit]:
        rng = self.rng
        span = (self.today - self.first_day).days
        active = [i for i in institutions if i.status == Inst.Status.ACTIVE] or institutions
        # Some places are visited more often than others (police custody and pre-trial
        # detention most), and 15 % never: a moderately skewed choice.
        visited = [i for i in active if rng.random() > 0.15] or active
        often = {"ivs", "sizo", "special-reception", "psychiatric", "childrens-home"}
        codes = dict(InstitutionType.objects.values_list("pk", "code"))
        weights = [
            rng.lognormvariate(0, 0.6) * (2 if codes.get(i.type_id) in often else 1)
            for i in visited
        ]
        kinds = [Visit.Kind.REGULAR, Visit.Kind.SPECIAL, Visit.Kind.FOLLOW_UP, Visit.Kind.THEMATIC]
        kind_weights = [70, 12, 13, 5]
        done_statuses = [S.CLOSED, S.SENT, S.APPROVED]
        rows = []
        if not visited:
            self.counts["visits"] = 0
            return []
        chosen = rng.choices(visited, weights, k=self.o["visits"])
        for institution in chosen:
            # More visits in recent years (the NPM grew); a few weeks planned ahead.
            offset = int(span * (rng.random() ** 0.7))
            day = self.first_day + timedelta(days=offset + rng.randint(0, 60))
            kind = rng.choices(kinds, kind_weights)[0]
            age = (self.today - day).days
            if age < 0:
                status = rng.choice([S.PLANNED, S.PLANNED, S.PREPARATION])
            elif age < 30:
                status = rng.choice([S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING, S.UNDER_REVIEW])
            elif age < 120:
                status = rng.choice([S.UNDER_REVIEW, S.RETURNED, S.APPROVED, S.SENT, S.CLOSED])
            else:
                status = rng.choices([*done_statuses, S.PLANNED], [60, 20, 10, 2])[0]
            started = None
            ended = None
            if status not in (S.PLANNED, S.PREPARATION):
                started = timezone.make_aware(datetime.combine(day, time(9, rng.randint(0, 59))))
                ended = started + timedelta(hours=rng.randint(2, 9))
            rows.append(
                Visit(
                    institution=institution,
                    region_id=institution.region_id,
                    kind=kind,
                    announced=rng.random() < 0.2,
                    status=status,
                    planned_date=day,
                    started_at=started,
                    ended_at=ended,
                    theme="Синтетическая тема" if kind == Visit.Kind.THEMATIC else "",
                    objectives="Синтетические данные для проверки масштаба.",
                    created_by=self.author,
                )
            )
        created = Visit.objects.bulk_create(rows, batch_size=BATCH)
        last: dict[int, date] = {}
        for visit in created:
            if visit.started_at is not None and visit.planned_date <= self.today:
                current = last.get(visit.institution_id)
                if current is None or visit.planned_date > current:
                    last[visit.institution_id] = visit.planned_date
        by_pk = {i.pk: i for i in institutions}
        changed = []
        for pk, day in last.items():
            by_pk[pk].last_visited_on = day
            changed.append(by_pk[pk])
        Inst.objects.bulk_update(changed, ["last_visited_on"], batch_size=BATCH)
        self.counts["visits"] = len(created)
        return created

    def _carried_out(self, visits: list[Visit]) -> list[Visit]:
        return [v for v in visits if v.started_at is not None]

    def _interviews_and_allegations(self, visits: list[Visit]) -> None:
        rng = self.rng
        vulnerabilities = list(Interview.VULNERABILITIES)
        methods = list(Allegation.METHODS)
        interviews = 0
        allegations = 0
        carried = self._carried_out(visits)
        for start in range(0, len(carried), BATCH):
            chunk = carried[start : start + BATCH]
            people = []
            plans = []
            for visit in chunk:
                n = rng.choices([0, 1, 2, 3], [30, 35, 25, 10])[0]
                for k in range(n):
                    people.append(
                        CodedPerson(
                            visit=visit, code=f"S-{k + 1:02d}", full_name="", birth_date="", cell=""
                        )
                    )
                    plans.append(visit)
            people = CodedPerson.objects.bulk_create(people, batch_size=BATCH)
            rows = []
            claims = []
            for person, visit in zip(people, plans, strict=True):
                risk = rng.choices(
                    [
                        Interview.Risk.UNKNOWN,
                        Interview.Risk.LOW,
                        Interview.Risk.MEDIUM,
                        Interview.Risk.HIGH,
                    ],
                    [50, 35, 11, 4],
                )[0]
                assert visit.started_at is not None
                rows.append(
                    Interview(
                        visit=visit,
                        kind=Interview.Kind.INDIVIDUAL,
                        person=person,
                        consent_interview=True,
                        consent_transmit=rng.random() < 0.5,
                        vulnerabilities=rng.sample(
                            vulnerabilities, rng.choices([0, 1, 2], [70, 25, 5])[0]
                        ),
                        fears_reprisals=rng.random() < 0.12,
                        reprisal_risk=risk,
                        follow_up_on=visit.planned_date + timedelta(days=30)
                        if risk in (Interview.Risk.MEDIUM, Interview.Risk.HIGH)
                        else None,
                        notes="",
                        conducted_by=self.author,
                        conducted_at=visit.started_at + timedelta(minutes=30),
                    )
                )
                if rng.random() < 0.06:
                    claims.append(
                        Allegation(
                            visit=visit,
                            kind=Allegation.Kind.REPRISAL
                            if rng.random() < 0.2
                            else Allegation.Kind.ILL_TREATMENT,
                            person=person,
                            circumstances="Синтетика.",
                            perpetrator=rng.choice(Allegation.Perpetrator.values),
                            methods=[rng.choice(methods)],
                            created_by=self.author,
                        )
                    )
            interviews += len(Interview.objects.bulk_create(rows, batch_size=BATCH))
            allegations += len(Allegation.objects.bulk_create(claims, batch_size=BATCH))
        self.counts["interviews"] = interviews
        self.counts["allegations"] = allegations

    def _responses(self, visits: list[Visit]) -> None:
        """Checklists filled on the most recent visits until ``--answers`` answers exist."""
        rng = self.rng
        target = self.o["answers"]
        versions: dict[int, tuple[InstrumentVersion, list[tuple[str, str]]]] = {}
        for assignment in InstrumentAssignment.objects.filter(instrument__kind="checklist"):
            version = (
                InstrumentVersion.objects.published()
                .filter(instrument_id=assignment.instrument_id)
                .order_by("-number")
                .first()
            )
            if version is None:
                continue
            items = []
            section = ""
            for node in walk(version.document):
                if "kind" not in node.item:
                    section = node.item["name"]
                elif (
                    node.item.get("kind") == "question"
                    and node.item["type"] == "compliance"
                    and node.repeat is None
                ):
                    items.append((node.item["name"], section))
            if items:
                versions.setdefault(assignment.institution_type_id, (version, items))
        # Each item has its own rate of non-compliance, so that some stand out.
        rates: dict[str, float] = {}
        values = ["compliant", "partly", "non_compliant", "not_checked"]
        carried = sorted(self._carried_out(visits), key=lambda v: v.planned_date, reverse=True)
        type_of = dict(Inst.objects.filter(is_demo=True).values_list("pk", "type_id"))
        made = 0
        responses = 0
        pending: list[tuple[Response, list[tuple[str, str, str]]]] = []

        def flush() -> None:
            nonlocal responses
            saved = Response.objects.bulk_create([r for r, _m in pending], batch_size=BATCH)
            responses += len(saved)
            marks = [
                ComplianceMark(response=r, path=q, question=q, section=s, value=v)
                for r, (_r, m) in zip(saved, pending, strict=True)
                for q, s, v in m
            ]
            ComplianceMark.objects.bulk_create(marks, batch_size=BATCH)
            pending.clear()

        for visit in carried:
            if made >= target:
                break
            entry = versions.get(type_of.get(visit.institution_id, 0))
            if entry is None:
                continue
            version, items = entry
            marks = []
            for question, section in items[: target - made]:
                rate = rates.setdefault(question, rng.betavariate(1.2, 7))
                value = rng.choices(values, [0.75 - rate, 0.15, rate, 0.10])[0]
                marks.append((question, section, value))
            made += len(marks)
            pending.append(
                (
                    Response(
                        uuid=self._uuid(),
                        visit=visit,
                        version=version,
                        answers={q: v for q, _s, v in marks},  # type: ignore[misc]
                        revision=1,
                        answered_count=len(marks),
                        started_by=self.author,
                    ),
                    marks,
                )
            )
            if sum(len(m) for _r, m in pending) >= 50_000:
                flush()
        if pending:
            flush()
        self.counts["responses"] = responses
        self.counts["answers"] = made

    def _recommendations(self, visits: list[Visit], addressees: list[Addressee]) -> None:
        rng = self.rng
        carried = [
            v for v in self._carried_out(visits) if v.status in (S.APPROVED, S.SENT, S.CLOSED)
        ]
        if not carried or not addressees:
            self.counts["recommendations"] = 0
            return
        regional: dict[int, list[Addressee]] = defaultdict(list)
        national: list[Addressee] = []
        for a in addressees:
            if a.region_id is None:
                national.append(a)
            else:
                regional[a.region_id].append(a)
        themes = list(THEMES)
        made = 0
        target = self.o["recommendations"]
        while made < target:
            rows = []
            for _n in range(min(BATCH, target - made)):
                visit = rng.choice(carried)
                options = regional.get(visit.region_id, []) + national
                age = (self.today - visit.planned_date).days
                deadline = visit.planned_date + timedelta(days=rng.choice([90, 180, 365]))
                if age > 3 * 365:
                    status = rng.choices(
                        [
                            R.IMPLEMENTED,
                            R.PARTLY,
                            R.NOT_IMPLEMENTED,
                            R.REJECTED,
                            R.NO_LONGER_RELEVANT,
                            R.IN_PROGRESS,
                        ],
                        [45, 20, 12, 8, 10, 5],
                    )[0]
                elif age > 365:
                    status = rng.choices(
                        [
                            R.IMPLEMENTED,
                            R.PARTLY,
                            R.IN_PROGRESS,
                            R.ACCEPTED,
                            R.NOT_IMPLEMENTED,
                            R.REJECTED,
                        ],
                        [30, 20, 20, 10, 12, 8],
                    )[0]
                else:
                    status = rng.choices(
                        [R.ISSUED, R.ACCEPTED, R.IN_PROGRESS, R.IMPLEMENTED, R.REJECTED],
                        [40, 25, 20, 10, 5],
                    )[0]
                rows.append(
                    Recommendation(
                        visit=visit,
                        text_ru="Синтетическая рекомендация: обеспечить соблюдение требований в учреждении.",
                        addressee=rng.choice(options),
                        theme=rng.choice(themes),
                        priority=rng.choice(Recommendation.Priority.values),
                        deadline=deadline,
                        status=status,
                        created_by=self.author,
                    )
                )
            made += len(Recommendation.objects.bulk_create(rows, batch_size=BATCH))
        self.counts["recommendations"] = made
