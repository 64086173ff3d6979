"""The annual report as a document: one function per chapter, in the report's order."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ..text import emphasis_runs, language_note
from .blocks import Builder, cell

Data = dict[str, Any]


def annual_document(data: Data) -> dict[str, Any]:
    b = Builder()
    if data.get("untranslated_marked") and data.get("untranslated"):
        if data["language"] == "ru":
            note = _(
                "This edition is published with untranslated passages marked: %(n)s passages "
                "are not yet translated into Russian and are given in the original language, "
                "marked %(mark)s."
            ) % {"n": len(data["untranslated"]), "mark": language_note("kk", "ru")}
        else:
            note = _(
                "This edition is published with untranslated passages marked: %(n)s passages "
                "are not yet translated into Kazakh and are given in the original language, "
                "marked %(mark)s."
            ) % {"n": len(data["untranslated"]), "mark": language_note("ru", "kk")}
        b.para(note, style="lead")
    b.blocks.append({"type": "toc"})
    for chapter in CHAPTERS:
        chapter(b, data)
    return {
        "title": data["title"],
        "subtitle": _("Period: %(period)s") % {"period": data["period"]["label"]},
        "meta": [],
        "draft": False,
        "language": data["language"],
        "blocks": b.blocks,
    }


def _summary(b: Builder, data: Data) -> None:
    totals = data["totals"]
    b.heading(pgettext("report chapter", "Foreword"))
    _narrative(b, data, "foreword")
    if data["empty"]:
        b.para(
            _(
                "No visit of the period %(period)s has an approved report: there is nothing to "
                "consolidate yet."
            )
            % {"period": data["period"]["label"]},
            style="lead",
        )
    else:
        b.para(
            _(
                "In %(period)s the groups of the National Preventive Mechanism made %(visits)s "
                "visits with an approved report to %(visited)s of the %(inventory)s places of "
                "deprivation of liberty in the inventory. They held %(interviews)s interviews, "
                "recorded %(ill)s allegations of torture or ill-treatment and %(reprisal)s of "
                "reprisals, %(findings)s problems and %(good)s good practices, and made "
                "%(recommendations)s recommendations."
            )
            % {
                "period": data["period"]["label"],
                "visits": totals["visits"],
                "visited": totals["institutions_visited"],
                "inventory": totals["inventory"],
                "interviews": totals["interviews"],
                "ill": totals["allegations_ill"],
                "reprisal": totals["allegations_reprisal"],
                "findings": totals["findings"],
                "good": totals["good_practice"],
                "recommendations": totals["recommendations"],
            },
            style="lead",
        )
    if totals["pending"]:
        b.para(
            _("%(n)s further visits of the period are not yet approved and are not included.")
            % {"n": totals["pending"]},
            style="muted",
        )


def _figures(b: Builder, data: Data) -> None:
    """The year in figures against the year before; the visits by type, department and
    type of institution; the interviews; the allegations."""
    b.heading(_("The year in figures"))
    _narrative(b, data, "figures")
    b.table(
        [
            _("Indicator"),
            data["period"]["label"],
            data["previous_label"],
            pgettext("difference from the year before", "Change"),
        ],
        data["figures"],
        numeric=(1, 2, 3),
    )
    b.heading(_("Visits by type"), level=2)
    b.table([_("Type of visit"), _("Visits")], data["by_kind"], numeric=(1,))
    b.chart(
        _("Visits by type"),
        [r[0] for r in data["by_kind"]],
        [(_("Visits"), [r[1] for r in data["by_kind"]])],
    )
    b.heading(_("Visits by department"), level=2)
    b.table(
        [
            _("Department"),
            _("Visits"),
            _("Institutions visited"),
            _("Institutions in the inventory"),
        ],
        data["by_department"],
        numeric=(1, 2, 3),
    )
    b.chart(
        _("Institutions visited and in the inventory, by department"),
        [r[0] for r in data["by_department"]],
        [
            (_("Institutions visited"), [r[2] for r in data["by_department"]]),
            (_("Institutions in the inventory"), [r[3] for r in data["by_department"]]),
        ],
        horizontal=True,
    )
    b.heading(_("Visits by type of institution"), level=2)
    b.table(
        [
            _("Type of institution"),
            _("Visits"),
            _("Institutions visited"),
            _("Institutions in the inventory"),
        ],
        data["by_type"],
        numeric=(1, 2, 3),
    )
    b.heading(_("Interviews"), level=2)
    b.table([_("Type of interview"), _("Interviews")], data["interviews_by_kind"], numeric=(1,))
    b.heading(_("Allegations of torture, ill-treatment and reprisals"), level=2)
    b.table([_("Kind"), _("Allegations")], data["allegations_by_kind"], numeric=(1,))
    if data["allegations_by_perpetrator"]:
        b.table(
            [_("Alleged perpetrators"), _("Allegations")],
            data["allegations_by_perpetrator"],
            numeric=(1,),
        )


def _methodology(b: Builder, data: Data) -> None:
    """How the visits were chosen and made, and what the figures count."""
    b.heading(_("Methodology"))
    _narrative(b, data, "methodology")
    kinds = "; ".join(f"{label}: {n}" for label, n in data["by_kind"] if n)
    b.para(
        _(
            "The groups of the National Preventive Mechanism choose the places to visit from the "
            "inventory of all places of deprivation of liberty, so that every place is visited "
            "regularly, and make urgent and follow-up visits. Visits by type: %(kinds)s; "
            "%(announced)s of them were announced, the others unannounced."
        )
        % {"kinds": kinds or "—", "announced": data["announced"]}
    )
    b.para(
        _(
            "On a visit the team tours the premises, checks the registers, talks privately with "
            "the people held and with staff. Each finding rests on more than one source where "
            "possible (observation, the people held, staff, documents) and is measured against "
            "national and international standards, by theme: treatment, safeguards, material "
            "conditions, regime and activities, health care, personnel."
        )
    )
    b.para(
        _(
            "The report counts the visits of the period whose report is approved. How "
            "widespread a problem is, is the share of the places of a type visited where it "
            "was found. Examples never name a person held: what a person said in an interview "
            "and the details of allegations are not quoted."
        ),
        style="muted",
    )


def _chapters(b: Builder, data: Data) -> None:
    b.heading(_("Chapters by department"))
    for chapter in data["chapters"]:
        _chapter(b, chapter, data)


def _chapter(b: Builder, chapter: Data, data: Data) -> None:
    """A department's figures and examples, or a line saying it had no visit."""
    b.heading(chapter["title"], level=2)
    _narrative(b, data, f"chapter:{chapter['code']}")
    if not chapter["visits"]:
        b.none(
            _(
                "No visit with an approved report in the period (%(n)s institutions in the inventory)."
            )
            % {"n": chapter["inventory"]}
        )
        return
    b.facts(
        [
            (_("Visits"), chapter["visits"]),
            (
                _("Institutions visited"),
                _("%(visited)s of %(inventory)s")
                % {"visited": chapter["visited"], "inventory": chapter["inventory"]},
            ),
            (_("Allegations of torture or ill-treatment"), chapter["allegations_ill"]),
            (_("Allegations of reprisals"), chapter["allegations_reprisal"]),
            (_("Recommendations"), chapter["recommendations"]),
        ]
    )
    themes = chapter.get("themes_spread") or []
    if themes:
        b.para(_("Main problems by theme and how widespread they are:"), style="label")
        b.table(
            [
                _("Theme"),
                _("Places where found"),
                _("Share of the places visited, %"),
                _("Last year, %"),
                _("Most widespread in"),
            ],
            [
                [
                    r["theme"],
                    r["places"],
                    _percent(r["share"]),
                    _percent(r["share_before"]),
                    f"{r['top_type']} ({_percent(r['top_share'])} %)" if r["top_type"] else "—",
                ]
                for r in themes
            ],
            numeric=(1, 2, 3),
        )
        b.chart(
            _("Share of the places visited where a problem of the theme was found, %"),
            [_short(r["theme"], 32) for r in themes],
            [
                (data["period"]["label"], [r["share"] or 0 for r in themes]),
                (data["previous_label"], [r["share_before"] or 0 for r in themes]),
            ],
            horizontal=True,
        )
        if chapter["spread"]:
            b.para(
                _("By type of institution: see the annex “Problems by type of institution”."),
                style="muted",
            )
    if chapter["candidates"]:
        b.para(
            _("Examples:")
            if chapter.get("chosen")
            else _("Examples (the most serious and widespread problems):"),
            style="label",
        )
        b.items(
            [
                _("%(title)s — %(institution)s (%(theme)s; %(severity)s)")
                % {
                    "title": cell(f["title"]),
                    "institution": f["institution"],
                    "theme": f["theme"],
                    "severity": f["severity"] or "—",
                }
                + (f": {cell(f['description'])}" if f["description"] else "")
                for f in chapter["candidates"]
            ]
        )
    if chapter["non_compliance"]:
        b.para(_("Checklist items most often not complied with:"), style="label")
        b.items(
            [
                _("%(item)s (%(n)s visits)") % {"item": label, "n": n}
                for label, n in chapter["non_compliance"]
            ]
        )
    if chapter["good_practice"]:
        b.para(_("Good practice:"), style="label")
        b.items([f"{cell(f['title'])} — {f['institution']}" for f in chapter["good_practice"]])
    if chapter["main_recommendations"]:
        b.para(_("Recommendations to the authorities, highest priority first:"), style="label")
        for group in chapter["main_recommendations"]:
            b.para(group["addressee"], style="muted")
            b.items(
                [
                    _("%(text)s (priority: %(priority)s; places: %(places)s)")
                    % {"text": cell(r["text"]), "priority": r["priority"], "places": r["places"]}
                    for r in group["items"]
                ]
            )
    if chapter["implementation"]:
        b.para(
            _(
                "Implementation of earlier years' recommendations by addressee, per cent (last year in brackets):"
            ),
            style="label",
        )
        b.table(
            [
                _("Addressee"),
                _("Total"),
                _("Implemented"),
                _("Partly"),
                _("Being implemented"),
                _("Not implemented"),
                _("No answer"),
            ],
            [
                [r["addressee"], r["total"]]
                + [
                    f"{_percent(r['shares'][g])} ({_percent(r['shares_before'][g])})"
                    for g in ("implemented", "partly", "in_progress", "not", "no_answer")
                ]
                for r in chapter["implementation"]
            ],
            numeric=(1, 2, 3, 4, 5, 6),
        )


def _narrative(b: Builder, data: Data, key: str) -> bool:
    """The editors' narrative of a section (published editions): paragraphs and lists,
    emphasis marks dropped. Whether there was any. The section's heading (just written)
    gets a stable anchor, ``sec-<key>``, that the editorial workspace links to."""
    if b.blocks and b.blocks[-1]["type"] == "heading":
        b.blocks[-1]["id"] = "sec-" + key.replace(":", "-")
    text = (data.get("narrative") or {}).get(key)
    if not text:
        return False
    note = f" {text['note']}" if text.get("note") else ""
    for paragraph in text["text"].split("\n\n"):
        lines = [line.strip() for line in paragraph.split("\n") if line.strip()]
        if lines and all(line.startswith("- ") for line in lines):
            b.rich_items([[*emphasis_runs(line[2:]), [note, ""]] for line in lines])
        elif lines:
            b.rich_para([*emphasis_runs(" ".join(lines)), [note, ""]])
    return True


def _percent(value: int | None) -> str:
    return "—" if value is None else f"{value}"


def _systemic(b: Builder, data: Data) -> None:
    b.heading(_("Systemic problems"))
    if not data["systemic"]:
        b.none(_("No checklist item was found not complied with."))
        return
    b.para(
        _(
            "The checklist items most often found not complied with, by the number of "
            "visits that found them, with examples of the places."
        )
    )
    b.table(
        [_("Checklist item"), _("Checklist"), _("Visits"), _("Examples")],
        [
            [s["label"], s["instrument"], s["visits"], "; ".join(s["examples"])]
            for s in data["systemic"]
        ],
        numeric=(2,),
    )
    top = data["systemic"][:10]
    b.chart(
        _("Most frequent non-compliance (visits)"),
        [_short(s["label"]) for s in top],
        [(_("Visits"), [s["visits"] for s in top])],
        horizontal=True,
    )


def _recommendations(b: Builder, data: Data) -> None:
    """By addressee (table and chart), then the main ones listed."""
    b.heading(_("Recommendations"))
    _narrative(b, data, "recommendations")
    rows = data["recommendations_by_addressee"]
    if rows:
        b.heading(_("Recommendations by addressee"), level=2)
        b.table(
            [
                _("Addressee"),
                _("Issued"),
                _("Accepted"),
                _("Implemented"),
                _("Partly"),
                _("Rejected"),
            ],
            rows,
            numeric=(1, 2, 3, 4, 5),
        )
        top_rows = rows[:10]
        b.chart(
            _("Recommendations by addressee"),
            [_short(r[0]) for r in top_rows],
            [
                (_("Issued"), [r[1] for r in top_rows]),
                (_("Accepted"), [r[2] for r in top_rows]),
                (_("Implemented"), [r[3] for r in top_rows]),
            ],
            horizontal=True,
        )
    if data["recommendations"]:
        b.heading(_("Main recommendations"), level=2)
        b.para(
            _(
                "Recommendations to departments and on legislation, and those of high "
                "priority: the same recommendation made to several places once, highest "
                "priority and most places first (%(n)s recommendations in all)."
            )
            % {"n": data.get("recommendations_main", len(data["recommendations"]))},
            style="muted",
        )
        b.items(
            [
                _("%(text)s (%(addressee)s; priority: %(priority)s; places: %(places)s)")
                % {
                    "text": cell(r["text"]),
                    "addressee": r["addressee"],
                    "priority": r["priority"],
                    "places": r.get("places", 1),
                }
                for r in data["recommendations"]
            ]
        )
        if data["recommendations_more"]:
            b.none(
                _("…and %(n)s more: see the list of recommendations.")
                % {"n": data["recommendations_more"]}
            )
    if not rows:
        b.none(_("No recommendation was made in the period."))


def _obstacles(b: Builder, data: Data) -> None:
    b.heading(_("Cooperation and obstacles to access"))
    _narrative(b, data, "obstacles")
    rows = data["obstacles"]["rows"]
    if not rows:
        b.none(_("No obstacle to access was recorded."))
        return
    b.para(
        _("Obstacles to access were recorded at %(n)s places.") % {"n": data["obstacles"]["places"]}
    )
    b.table([_("Obstacle"), data["period"]["label"], data["previous_label"]], rows, numeric=(1, 2))


def _conclusions(b: Builder, data: Data) -> None:
    b.heading(_("Conclusions of the Coordination Council"))
    if not _narrative(b, data, "conclusions"):
        b.none(_("The Council has not yet adopted its conclusions for the period."))


def _annexes(b: Builder, data: Data) -> None:
    b.heading(_("Annexes"))
    b.heading(_("Visits by region"), level=2)
    if data["by_region"]:
        b.table([_("Region"), _("Visits")], data["by_region"], numeric=(1,))
    else:
        b.none(_("No visits."))
    _spread_annex(b, data)
    b.heading(_("Institutions never visited"), level=2)
    never = data["never_visited"]
    if isinstance(never, list):  # an edition published before the summary
        never = {"count": len(never), "by_department": [], "listed": never}
    if not never["count"]:
        b.none(_("Every institution of the inventory has been visited."))
        return
    b.para(
        _("%(n)s institutions of the inventory have never been reached by an approved visit.")
        % {"n": never["count"]}
    )
    if never["by_department"]:
        b.table(
            [_("Department"), _("Never visited"), _("Institutions in the inventory")],
            never["by_department"],
            numeric=(1, 2),
        )
    b.table(
        [_("Institution"), _("Type of institution"), _("Region"), _("Department")],
        never["listed"],
    )
    if never["count"] > len(never["listed"]):
        b.none(
            _("…and %(n)s more: the full list is in the workbook annex.")
            % {"n": never["count"] - len(never["listed"])}
        )


def _spread_annex(b: Builder, data: Data) -> None:
    """How widespread each problem is by department, theme and type of institution."""
    chapters = [c for c in data["chapters"] if c.get("spread")]
    if not chapters:
        return
    b.heading(_("Problems by type of institution"), level=2)
    b.para(
        _(
            "Places of each type where a problem of the theme was found, of the places of "
            "that type visited; the share last year."
        ),
        style="muted",
    )
    for chapter in chapters:
        b.para(chapter["short"] or chapter["title"], style="label")
        b.table(
            [
                _("Theme"),
                _("Type of institution"),
                _("Places where found"),
                _("Places visited"),
                _("Share, %"),
                _("Last year, %"),
            ],
            [
                [
                    r["theme"],
                    r["type"],
                    r["places"],
                    r["visited"],
                    _percent(r["share"]),
                    _percent(r["share_before"]),
                ]
                for r in sorted(chapter["spread"], key=lambda r: (r["theme"], r["type"]))
            ],
            numeric=(2, 3, 4, 5),
        )


def _short(label: str, length: int = 48) -> str:
    return label if len(label) <= length else label[: length - 1].rstrip() + "…"


CHAPTERS = (
    _summary,
    _figures,
    _methodology,
    _chapters,
    _systemic,
    _obstacles,
    _recommendations,
    _conclusions,
    _annexes,
)
