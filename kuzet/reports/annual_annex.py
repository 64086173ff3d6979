"""The annex of the annual report: the full list of the year's recommendations as a
workbook (issue 16). The report itself lists the main ones; the annex lists every
recommendation issued on the year's approved visits, highest priority first, with a second
sheet of counts by addressee and status and a third of the institutions of the inventory no
approved visit has reached (the report lists the first hundred). No identity: the recommendations are the team's
words to the authorities, with the place they concern."""

import io
from datetime import date

from django.db.models import Count
from django.utils.translation import gettext as _
from openpyxl import Workbook

from kuzet.core.i18n import localized
from kuzet.recommendations.models import Addressee, Recommendation
from kuzet.visits.models import THEMES

from .annual_analysis import never_visited_rows
from .annual_data import PRIORITY_RANK, _Period
from .exports import safe


def recommendations_annex(*, year: int, language: str) -> tuple[bytes, int]:
    """The workbook's bytes and the number of recommendations listed."""
    period = _Period(date(year, 1, 1), date(year, 12, 31), language)
    issued = period.recommendations
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(_("Recommendations"))[:31])
    sheet.append(
        [
            "№",
            str(_("Addressee")),
            str(_("Department")),
            str(_("Institution")),
            str(_("Region")),
            str(_("Date of the visit")),
            str(_("Level")),
            str(_("Theme")),
            str(_("Priority")),
            str(_("Deadline")),
            str(_("Status")),
            str(_("Text (Russian)")),
            str(_("Text (Kazakh)")),
        ]
    )
    rows = (
        issued.annotate(rank=PRIORITY_RANK)
        .select_related("addressee", "visit__institution__department", "visit__region")
        .order_by("rank", "addressee__name_ru", "visit__planned_date", "pk")
    )
    count = 0
    for count, r in enumerate(rows.iterator(chunk_size=2000), start=1):
        institution = r.visit.institution
        sheet.append(
            [
                count,
                safe(localized(r.addressee, "name", language)),
                safe(localized(institution.department, "name", language)),
                safe(localized(institution, "name", language)),
                safe(localized(r.visit.region, "name", language)),
                r.visit.planned_date,
                str(r.get_level_display()),
                str(THEMES.get(r.theme, r.theme)),
                str(r.get_priority_display()),
                r.deadline,
                str(r.get_status_display()),
                safe(r.text_ru),
                safe(r.text_kk),
            ]
        )
    summary = book.create_sheet(str(_("By addressee"))[:31])
    statuses = list(Recommendation.Status.choices)
    summary.append([str(_("Addressee")), str(_("Total")), *[str(label) for _v, label in statuses]])
    counts: dict[int, dict[str, int]] = {}
    for row in issued.values("addressee", "status").annotate(n=Count("pk")):
        counts.setdefault(row["addressee"], {})[row["status"]] = row["n"]
    names = {a.pk: localized(a, "name", language) for a in Addressee.objects.filter(pk__in=counts)}
    for addressee in sorted(counts, key=lambda pk: (-sum(counts[pk].values()), names[pk])):
        by_status = counts[addressee]
        summary.append(
            [
                safe(names[addressee]),
                sum(by_status.values()),
                *[by_status.get(value, 0) for value, _label in statuses],
            ]
        )
    never = book.create_sheet(str(_("Institutions never visited"))[:31])
    never.append(
        [
            str(_("Institution")),
            str(_("Type of institution")),
            str(_("Region")),
            str(_("Department")),
        ]
    )
    for place in never_visited_rows(period):
        never.append([safe(value) for value in place])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), count


def annex_name(year: int, language: str) -> str:
    return f"annual-{year}-recommendations-{language}.xlsx"
