"""The facts the indicators count, brought up to date from the marks the writes leave.

``VisitFact`` and ``RecommendationFact`` copy each visit and recommendation with the
dimensions the filters use (month, region, department, type of place, visit type) and what
was counted on it. Count tables add them up by month and by calendar year (``months`` 1 or
12) so that a national page over ten years reads hundreds of rows, not millions:
``VisitCount`` (visits by visit type and stage, for the country and by region, department and
type), ``ItemCount`` (checklist answers by question) and ``RecommendationCount`` (by
addressee and status), the last two also by place (``PLACE``). A year's row is the sum of
its monthly rows, refreshed with them.

The writes do not know the dashboard: every service that writes something counted marks its
visit (``kuzet.visits.models.VisitChange``, one row per visit), and a move of an institution
to another region, department or type marks the institution
(``kuzet.registry.models.InstitutionChange``). ``facts_catch_up`` recounts the marked visits
(all the visits of a marked institution) with ``visit_facts_refresh`` and deletes the marks
it handled; every page of the dashboard calls it before counting (one small query when
nothing is marked), and ``manage.py catch_up_dashboard_facts`` (or its background task) does
it between page loads. ``facts_rebuild`` recomputes everything from the records (``manage.py
rebuild_dashboard_facts``, and after the bulk inserts of ``generate_scale_data``). Both run
the same statements, so a cell refreshed after a write holds what a rebuild would put there;
the indicators read parts of months with the same statements too.
"""

import zlib
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import CharField, Count, Q, Value

from kuzet.dashboard.models import (
    PLACE,
    Grain,
    ItemCount,
    RecommendationCount,
    RecommendationFact,
    VisitCount,
    VisitFact,
)
from kuzet.quality.signals import SIGNALS
from kuzet.recommendations.models import Recommendation
from kuzet.registry.models import InstitutionChange
from kuzet.visits.models import Allegation, Appeal, Interview, Visit, VisitChange
from kuzet.visits.services.quality import VisitQuality, visit_quality_many

S = Visit.Status
R = Recommendation.Status
CARRIED_OUT = frozenset(
    {
        S.IN_PROGRESS,
        S.DEBRIEFED,
        S.DRAFTING,
        S.UNDER_REVIEW,
        S.RETURNED,
        S.APPROVED,
        S.SENT,
        S.CLOSED,
    }
)
OPEN = frozenset({R.ISSUED, R.ACCEPTED, R.IN_PROGRESS, R.PARTLY, R.NOT_IMPLEMENTED})
# Visits whose record the team has submitted: the report quality is counted on them.
REPORTED = frozenset({S.UNDER_REVIEW, S.RETURNED, S.APPROVED, S.SENT, S.CLOSED})
# A cell of the place rows of the count tables: month, region, department, type, visit type.
Cell = tuple[date, int, int, int, str]
# The grains coarser than a place and the place column each keeps ("" for the country; the
# others are 0 in its rows).
ROLLUPS: dict[str, str] = {
    Grain.NATIONAL: "",
    Grain.REGION: "region_id",
    Grain.DEPARTMENT: "department_id",
    Grain.TYPE: "type_id",
}

# What each figure of a visit counts: the rows of a model that meet a condition. The facts
# count them (``*_COUNTS``) and the list of visits behind a figure filters by them
# (``views.HAS``): one definition for both.
INTERVIEWS_COUNTED: dict[str, Q] = {
    "interviews": Q(),
    "interviews_individual": Q(kind=Interview.Kind.INDIVIDUAL),
    "interviews_group": Q(kind=Interview.Kind.GROUP),
    "interviews_staff": Q(
        kind__in=[Interview.Kind.STAFF, Interview.Kind.MEDICAL, Interview.Kind.ADMINISTRATION]
    ),
    "interviews_vulnerable": ~Q(vulnerabilities=[]),
    "interviews_fears": Q(fears_reprisals=True),
    "interviews_risk": Q(reprisal_risk__in=[Interview.Risk.MEDIUM, Interview.Risk.HIGH]),
}
ALLEGATIONS_COUNTED: dict[str, Q] = {
    "allegations_ill_treatment": Q(kind=Allegation.Kind.ILL_TREATMENT),
    "allegations_reprisal": Q(kind=Allegation.Kind.REPRISAL),
}
APPEALS_COUNTED: dict[str, Q] = {
    "appeals": Q(),
    "appeals_forwarded": ~Q(forwarded_to=""),
}
# A checklist answer counted as non-compliant, and one that was not checked (not counted).
NON_COMPLIANT, NOT_CHECKED = "non_compliant", "not_checked"
INTERVIEW_COUNTS: dict[str, Any] = {
    name: Count("id", filter=q or None) for name, q in INTERVIEWS_COUNTED.items()
}
ALLEGATION_COUNTS: dict[str, Any] = {
    name: Count("id", filter=q) for name, q in ALLEGATIONS_COUNTED.items()
}
# Drafts are not counted: a recommendation is issued when the visit's report is sent.
RECOMMENDATION_COUNTS: dict[str, Any] = {"recommendations": Count("id", filter=~Q(status=R.DRAFT))}


def _has_signal(code: str, quality: VisitQuality) -> int:
    return int(any(r.code == code for r in quality.signals))


# The report quality of a reported visit, by column: the texts checked and found weak, the
# copied texts (the text rules' code ``copied``), and each visit-level signal (0 or 1).
QUALITY_COUNTS: dict[str, Callable[[VisitQuality], int]] = {
    "q_reported": lambda q: 1,
    "q_findings": lambda q: q.findings,
    "q_findings_weak": lambda q: len(q.weak_findings),
    "q_recommendation_texts": lambda q: q.recommendation_texts,
    "q_recommendation_texts_weak": lambda q: len(q.weak_recommendations),
    "q_texts_copied": lambda q: q.copied,
    **{f"q_{code}": partial(_has_signal, code) for code in SIGNALS},
}
QUALITY_BATCH = 500


APPEAL_COUNTS: dict[str, Any] = {
    name: Count("id", filter=q or None) for name, q in APPEALS_COUNTED.items()
}
# In the field order of ``VisitFact`` and ``VisitCount``.
COUNTED = [
    *INTERVIEW_COUNTS,
    *ALLEGATION_COUNTS,
    *RECOMMENDATION_COUNTS,
    *APPEAL_COUNTS,
    *QUALITY_COUNTS,
]
# The columns that name a row of each count table besides ``grain``, ``month`` and ``months``;
# the other columns are the counts.
KEYS: dict[Any, list[str]] = {
    VisitCount: [*PLACE, "status"],
    ItemCount: [*PLACE, "instrument_id", "question"],
    RecommendationCount: [*PLACE, "addressee_id"],
}
# The status columns of ``RecommendationCount``, in its field order (named as the statuses).
STATUS_COLUMNS = [
    R.ISSUED.value,
    R.ACCEPTED.value,
    R.IN_PROGRESS.value,
    R.IMPLEMENTED.value,
    R.PARTLY.value,
    R.NOT_IMPLEMENTED.value,
    R.REJECTED.value,
    R.NO_LONGER_RELEVANT.value,
]


def month_of(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return (month_of(day) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


# --- One visit --------------------------------------------------------------------------


def visit_facts_refresh(visit_id: int, quality: VisitQuality | None = None) -> None:
    """Make the facts of one visit say what its records say (``facts_catch_up`` calls it
    for the marked visits; code that writes records directly calls it after its write).
    ``quality``: the visit's report quality if already read (``facts_catch_up`` reads those
    of all the marked visits at once)."""
    with transaction.atomic():
        old = VisitFact.objects.filter(pk=visit_id).first()
        visit = (
            Visit.objects.filter(pk=visit_id)
            .select_related("institution")
            .only("planned_date", "region_id", "kind", "status", "institution_id",
                  "institution__department_id", "institution__type_id")
            .first()
        )  # fmt: skip
        new = None
        if visit is not None:
            new = VisitFact(
                visit_id=visit_id,
                planned_date=visit.planned_date,
                institution_id=visit.institution_id,
                region_id=visit.region_id,
                department_id=visit.institution.department_id,
                type_id=visit.institution.type_id,
                kind=visit.kind,
                status=visit.status,
                carried_out=visit.status in CARRIED_OUT,
            )
            for model, counts in (
                (Interview, INTERVIEW_COUNTS),
                (Allegation, ALLEGATION_COUNTS),
                (Recommendation, RECOMMENDATION_COUNTS),
                (Appeal, APPEAL_COUNTS),
            ):
                for name, n in model.objects.filter(visit_id=visit_id).aggregate(**counts).items():
                    setattr(new, name, n)
            if visit.status in REPORTED:
                _set_quality(new, quality or visit_quality_many([visit_id])[visit_id])
            new.save()
        elif old is not None:
            old.delete()
        _recommendation_facts(f"r.visit_id = {int(visit_id)}", replace_visit=visit_id)
        facts = [fact for fact in (old, new) if fact is not None]
        for cell in sorted({_cell_of(fact) for fact in facts}):
            _cell_refresh(cell)


def facts_catch_up() -> int:
    """Recount the facts of the visits marked since the last catch-up (``VisitChange``) and
    of every visit of a marked institution (``InstitutionChange``), then delete those marks;
    returns the number of visits recounted. With nothing marked it is one small query.

    Safe with concurrent writers and readers: a mark is deleted only if its token is still
    the one read before the recount, so a write committed meanwhile stays marked for the next
    catch-up; each visit is recounted in a transaction of its own, under a per-visit lock on
    PostgreSQL (SQLite serialises writers), and never inside a write's transaction.
    """
    kind = Value("visit", output_field=CharField())
    marks = VisitChange.objects.values_list(kind, "visit_id", "token").union(
        InstitutionChange.objects.values_list(
            Value("institution", output_field=CharField()), "institution_id", "token"
        ),
        all=True,
    )
    pending = list(marks)
    if not pending:
        return 0
    done: set[int] = set()
    # The report quality of the marked visits in one read (a few queries for all, not per
    # visit); read before their recount, so a write meanwhile leaves its mark for the next.
    marked = [key for what, key, _token in pending if what == "visit"]
    qualities = visit_quality_many(marked) if marked else {}
    for what, key, token in sorted(pending, key=lambda mark: mark[0] != "institution"):
        if what == "institution":
            visits = set(Visit.objects.filter(institution_id=key).values_list("pk", flat=True))
            # and those still counted under it (a visit moved to another institution)
            visits |= set(VisitFact.objects.filter(institution_id=key).values_list("pk", flat=True))
            for visit_id in sorted(visits - done):
                _catch_up_visit(visit_id)
                done.add(visit_id)
            InstitutionChange.objects.filter(institution_id=key, token=token).delete()
        else:
            if key not in done:
                _catch_up_visit(key, qualities.get(key))
                done.add(key)
            VisitChange.objects.filter(visit_id=key, token=token).delete()
    return len(done)


@transaction.atomic
def _catch_up_visit(visit_id: int, quality: VisitQuality | None = None) -> None:
    _lock("visit", visit_id)  # two catch-ups at once recount one visit one after the other
    visit_facts_refresh(visit_id, quality)


def _set_quality(fact: VisitFact, quality: VisitQuality) -> None:
    for name, count in QUALITY_COUNTS.items():
        setattr(fact, name, count(quality))


def _cell_of(fact: VisitFact) -> Cell:
    return (
        month_of(fact.planned_date),
        fact.region_id,
        fact.department_id,
        fact.type_id,
        fact.kind,
    )


def _insert(model: Any, select: str, params: list[Any]) -> None:
    fields = ", ".join(_count_fields(model))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({fields}) {select}", params)


def _lock(*key: Any) -> None:
    """Serialise the refreshes of one cell (SQLite already serialises every writer)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [0x6B7A, zlib.crc32(repr(key).encode()) - 2**31],
            )


def _cell_refresh(cell: Cell) -> None:
    """Recount one place cell of the count tables from the records and, where it changed,
    the rows of the coarser grains it adds to (its month and visit type for the country, its
    region, its department, its type), and the yearly rows of them all."""
    month, region, department, type_, kind = cell
    _lock("place", *cell)
    where = (
        "f.planned_date BETWEEN %s AND %s AND f.region_id = %s AND f.department_id = %s "
        "AND f.type_id = %s AND f.kind = %s"
    )
    params: list[Any] = [month, month_end(month), region, department, type_, kind]
    place = Q(grain=Grain.PLACE, months=1, month=month, region_id=region,
              department_id=department, type_id=type_, kind=kind)  # fmt: skip
    counts: list[tuple[Any, str, Callable[[str], str]]] = [
        (VisitCount, "status", visit_count_select),
        (ItemCount, "instrument_id", items_select),
        (RecommendationCount, "addressee_id", recommendations_select),
    ]
    for model, key, select in counts:
        fields = _count_fields(model)
        sql = select(where)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fresh = {tuple(row) for row in cursor.fetchall()}
        stored_rows = model.objects.filter(place).values_list(*fields)
        stored = {tuple(_db_value(v) for v in row) for row in stored_rows}
        fresh = {tuple(_db_value(v) for v in row) for row in fresh}
        if fresh == stored:
            continue
        model.objects.filter(place).delete()
        model.objects.bulk_create(model(**dict(zip(fields, row, strict=True))) for row in fresh)
        touched = sorted({row[fields.index(key)] for row in fresh | stored})
        keys = f"{key} IN ({', '.join(['%s'] * len(touched))})"
        _lock("place-year", model.__name__, month.year, *cell[1:])
        _year_refresh(
            model,
            Grain.PLACE,
            month.replace(month=1),
            f"region_id = %s AND department_id = %s AND type_id = %s AND kind = %s AND {keys}",
            [region, department, type_, kind, *touched],
        )
        for grain, column, value in (
            (Grain.NATIONAL, "", 0),
            (Grain.REGION, "region_id", region),
            (Grain.DEPARTMENT, "department_id", department),
            (Grain.TYPE, "type_id", type_),
        ):
            _lock(model.__name__, grain, month, kind, value)
            same = {column: value} if column else {}
            model.objects.filter(
                grain=grain, months=1, month=month, kind=kind, **same, **{f"{key}__in": touched}
            ).delete()
            rows = f"kind = %s AND {keys}"
            rows_params: list[Any] = [kind, *touched]
            if column:
                rows += f" AND {column} = %s"
                rows_params.append(value)
            _rollup_insert(model, grain, f"month = %s AND {rows}", [month, *rows_params])
            _lock(model.__name__, "year", grain, month.year, kind, value)
            _year_refresh(model, grain, month.replace(month=1), rows, rows_params)


def _db_value(value: Any) -> Any:
    """Rows read back from SQLite hold dates as text; compare like with like."""
    return value.isoformat() if isinstance(value, date) else value


# --- The statements (shared by one cell's refresh and the full rebuild) -------------------


def _month(column: str) -> str:
    if connection.vendor == "sqlite":
        return f"date({column}, 'start of month')"
    return f"CAST(date_trunc('month', {column}) AS date)"


def _year(column: str) -> str:
    if connection.vendor == "sqlite":
        return f"date({column}, 'start of year')"
    return f"CAST(date_trunc('year', {column}) AS date)"


def _count_fields(model: Any) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if f.name != "id"]


def items_select(where: str) -> str:
    """Place rows of ``ItemCount`` for the visit facts matching ``where`` (alias ``f``)."""
    from kuzet.instruments.models import InstrumentVersion
    from kuzet.visits.models import ComplianceMark, Response

    month = _month("f.planned_date")
    return f"""
        SELECT '{Grain.PLACE.value}' AS grain, {month} AS month, 1 AS months, f.region_id,
               f.department_id, f.type_id, f.kind, v.instrument_id, m.question,
               SUM(CASE WHEN m.value = '{NON_COMPLIANT}' THEN 1 ELSE 0 END) AS non_compliant,
               SUM(CASE WHEN m.value <> '{NOT_CHECKED}' THEN 1 ELSE 0 END) AS checked
        FROM {ComplianceMark._meta.db_table} m
        JOIN {Response._meta.db_table} r ON r.id = m.response_id
        JOIN {InstrumentVersion._meta.db_table} v ON v.id = r.version_id
        JOIN {VisitFact._meta.db_table} f ON f.visit_id = r.visit_id
        WHERE {where}
        GROUP BY {month}, f.region_id, f.department_id, f.type_id, f.kind, v.instrument_id,
                 m.question
        HAVING SUM(CASE WHEN m.value <> '{NOT_CHECKED}' THEN 1 ELSE 0 END) > 0
    """  # noqa: S608 (names from the models; values are parameters)


def recommendations_select(where: str) -> str:
    """Place rows of ``RecommendationCount`` for the facts matching ``where`` (alias ``f``)."""
    month = _month("f.planned_date")
    statuses = ",\n".join(
        f"SUM(CASE WHEN f.status = '{s}' THEN 1 ELSE 0 END) AS {s}" for s in STATUS_COLUMNS
    )
    open_ = ", ".join(f"'{s}'" for s in sorted(OPEN))
    return f"""
        SELECT '{Grain.PLACE.value}' AS grain, {month} AS month, 1 AS months, f.region_id,
               f.department_id, f.type_id, f.kind, f.addressee_id, COUNT(*) AS total, {statuses},
               SUM(CASE WHEN f.status IN ({open_}) AND f.deadline IS NOT NULL THEN 1 ELSE 0 END)
                   AS open_dated
        FROM {RecommendationFact._meta.db_table} f
        WHERE {where}
        GROUP BY {month}, f.region_id, f.department_id, f.type_id, f.kind, f.addressee_id
    """  # noqa: S608


def visit_count_select(where: str) -> str:
    """Place rows of ``VisitCount`` for the visit facts matching ``where`` (alias ``f``)."""
    month = _month("f.planned_date")
    sums = ", ".join(f"SUM(f.{name}) AS {name}" for name in COUNTED)
    return f"""
        SELECT '{Grain.PLACE.value}' AS grain, {month} AS month, 1 AS months, f.region_id,
               f.department_id, f.type_id, f.kind, f.status,
               COUNT(*) AS visits, SUM(CASE WHEN f.carried_out THEN 1 ELSE 0 END) AS carried_out,
               {sums}
        FROM {VisitFact._meta.db_table} f
        WHERE {where}
        GROUP BY {month}, f.region_id, f.department_id, f.type_id, f.kind, f.status
    """  # noqa: S608


def _rollup_insert(model: Any, grain: str, where: str, params: list[Any]) -> None:
    """Monthly rows of a coarser ``grain`` summed from the monthly place rows matching
    ``where``."""
    keys = ["grain", "month", "months", *KEYS[model]]
    sums = [f for f in _count_fields(model) if f not in keys]
    places = ("region_id", "department_id", "type_id")
    kept = ROLLUPS[grain]
    grouped = [k for k in keys if k != "grain" and (k not in places or k == kept)]
    select = ", ".join(
        f"'{grain}'" if k == "grain" else "0" if k in places and k != kept else k for k in keys
    )
    table = model._meta.db_table
    with connection.cursor() as cursor:
        insert = f"INSERT INTO {table} ({', '.join(keys + sums)})"
        sums_sql = ", ".join(f"SUM({s})" for s in sums)
        where = f"grain = '{Grain.PLACE.value}' AND months = 1 AND {where}"
        query = f"{insert} SELECT {select}, {sums_sql} FROM {table} WHERE {where}"  # noqa: S608
        cursor.execute(f"{query} GROUP BY {', '.join(grouped)}", params)


def _year_refresh(
    model: Any, grain: str | None, year: date | None, where: str, params: list[Any]
) -> None:
    """The yearly rows (``months`` 12) of ``grain`` made the sums of its monthly rows that
    match ``where`` (conditions on the key columns): for the year starting on ``year``, or
    for every grain and year when both are None (the rebuild, on a table without yearly
    rows)."""
    table = model._meta.db_table
    keys = KEYS[model]
    sums = [f for f in _count_fields(model) if f not in ("grain", "month", "months", *keys)]
    conditions = ["months = 1", where]
    all_params = list(params)
    with connection.cursor() as cursor:
        if grain is not None and year is not None:
            cursor.execute(
                f"DELETE FROM {table} WHERE grain = %s AND months = 12 AND month = %s "  # noqa: S608
                f"AND {where}",
                [grain, year, *params],
            )
            conditions += ["grain = %s", "month BETWEEN %s AND %s"]
            all_params += [grain, year, year.replace(month=12)]
        names = ", ".join(["grain", "month", "months", *keys, *sums])
        group = ", ".join(["grain", _year("month"), *keys])
        select = ", ".join(["grain", _year("month"), "12", *keys, *(f"SUM({s})" for s in sums)])
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {select} FROM {table} "  # noqa: S608
            f"WHERE {' AND '.join(conditions)} GROUP BY {group}",
            all_params,
        )


def _recommendation_facts(where: str, replace_visit: int | None = None) -> None:
    table = RecommendationFact._meta.db_table
    with connection.cursor() as cursor:
        if replace_visit is not None:
            cursor.execute(f"DELETE FROM {table} WHERE visit_id = %s", [replace_visit])  # noqa: S608
        cursor.execute(
            f"""
            INSERT INTO {table} (recommendation_id, visit_id, planned_date, institution_id,
                                 region_id, department_id, type_id, kind, addressee_id, status,
                                 deadline)
            SELECT r.id, r.visit_id, f.planned_date, f.institution_id, f.region_id,
                   f.department_id, f.type_id, f.kind, r.addressee_id, r.status, r.deadline
            FROM {Recommendation._meta.db_table} r
            JOIN {VisitFact._meta.db_table} f ON f.visit_id = r.visit_id
            WHERE {where} AND r.status <> '{R.DRAFT.value}'
            """  # noqa: S608
        )


# --- Everything -------------------------------------------------------------------------


def _grouped(model: Any, counts: dict[str, Any]) -> dict[int, dict[str, int]]:
    return {
        row.pop("visit_id"): row
        for row in model.objects.values("visit_id").annotate(**counts).order_by()
    }


@transaction.atomic
def facts_rebuild() -> dict[str, int]:
    """Recompute every fact from the records; returns the rows written by table."""
    tables: tuple[Any, ...] = (
        VisitFact,
        RecommendationFact,
        VisitCount,
        ItemCount,
        RecommendationCount,
    )
    for model in reversed(tables):
        model.objects.all().delete()
    per_visit = [
        _grouped(Interview, INTERVIEW_COUNTS),
        _grouped(Allegation, ALLEGATION_COUNTS),
        _grouped(Recommendation, RECOMMENDATION_COUNTS),
        _grouped(Appeal, APPEAL_COUNTS),
    ]
    visits = Visit.objects.values_list(
        "pk",
        "planned_date",
        "institution_id",
        "region_id",
        "institution__department_id",
        "institution__type_id",
        "kind",
        "status",
    ).order_by()
    batch: list[VisitFact] = []

    def flush() -> None:
        reported = [fact for fact in batch if fact.status in REPORTED]
        for start in range(0, len(reported), QUALITY_BATCH):
            part = reported[start : start + QUALITY_BATCH]
            qualities = visit_quality_many([fact.visit_id for fact in part])
            for fact in part:
                _set_quality(fact, qualities[fact.visit_id])
        VisitFact.objects.bulk_create(batch)

    for pk, day, institution, region, department, type_, kind, status in visits.iterator(
        chunk_size=5000
    ):
        fact = VisitFact(
            visit_id=pk,
            planned_date=day,
            institution_id=institution,
            region_id=region,
            department_id=department,
            type_id=type_,
            kind=kind,
            status=status,
            carried_out=status in CARRIED_OUT,
        )
        for counts in per_visit:
            for name, n in counts.get(pk, {}).items():
                setattr(fact, name, n)
        batch.append(fact)
        if len(batch) == 5000:
            flush()
            batch = []
    flush()
    _recommendation_facts("1 = 1")
    for model, select in (
        (VisitCount, visit_count_select),
        (ItemCount, items_select),
        (RecommendationCount, recommendations_select),
    ):
        _insert(model, select("1 = 1"), [])
        for grain in ROLLUPS:
            _rollup_insert(model, grain, "1 = 1", [])
    for model in (VisitCount, ItemCount, RecommendationCount):
        _year_refresh(model, None, None, "1 = 1", [])
    with connection.cursor() as cursor:  # the planners' statistics of the new rows
        for model in tables:
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return {model._meta.model_name or "": model.objects.count() for model in tables}
