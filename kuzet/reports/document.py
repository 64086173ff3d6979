"""A report's data laid out as a document: a title and a list of blocks.

Both outputs read the same blocks: the HTML templates (on screen, and WeasyPrint's PDF)
and the DOCX writer, so that the three say the same thing in the same order. Call inside
``translation.override(language)``: the headings are translated here.

Blocks: ``heading`` (level, text, id), ``para`` (text, lang, note, style), ``facts``
(rows of label and value), ``list`` (items), ``table`` (headers, rows, numeric columns),
``chart`` (a bar chart's labels and series), ``toc`` and ``pagebreak``.
"""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

Block = dict[str, Any]


class Builder:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.numbers: list[int] = []

    def heading(self, text: str, level: int = 1) -> None:
        # Chapters are numbered (1., 1.1.) so that the table of contents reads like a report's.
        if level <= 2:
            del self.numbers[level:]
            while len(self.numbers) < level:
                self.numbers.append(0)
            self.numbers[level - 1] += 1
            text = ".".join(str(n) for n in self.numbers) + ". " + text
        self.blocks.append(
            {"type": "heading", "level": level, "text": text, "id": f"h{len(self.blocks)}"}
        )

    def para(self, text: Any, style: str = "") -> None:
        if isinstance(text, dict):
            self.blocks.append({"type": "para", **text, "style": style})
        elif text:
            self.blocks.append(
                {"type": "para", "text": str(text), "lang": "", "note": "", "style": style}
            )

    def facts(self, rows: list[tuple[str, Any]]) -> None:
        shown = [[label, str(value)] for label, value in rows if value not in (None, "", [])]
        if shown:
            self.blocks.append({"type": "facts", "rows": shown})

    def items(self, items: list[Any]) -> None:
        if items:
            self.blocks.append({"type": "list", "items": [cell(i) for i in items]})

    def table(
        self, headers: list[str], rows: list[list[Any]], numeric: tuple[int, ...] = ()
    ) -> None:
        self.blocks.append(
            {
                "type": "table",
                "headers": headers,
                "rows": [[cell(c) for c in row] for row in rows],
                "numeric": list(numeric),
            }
        )

    def chart(
        self,
        title: str,
        labels: list[str],
        series: list[tuple[str, list[int]]],
        horizontal: bool = False,
    ) -> None:
        if labels and any(any(values) for _name, values in series):
            self.blocks.append(
                {
                    "type": "chart",
                    "title": title,
                    "labels": labels,
                    "series": [{"name": n, "values": v} for n, v in series],
                    "horizontal": horizontal,
                }
            )

    def none(self, text: str) -> None:
        self.para(text, style="muted")


def cell(value: Any) -> str:
    """A table cell or list item as text; foreign narrative keeps its mark."""
    if isinstance(value, dict):
        return f"{value['text']} {value['note']}".strip()
    if value is None:
        return "—"
    return str(value)


def _finding(b: Builder, finding: dict[str, Any]) -> None:
    # The language mark follows the description, not the heading as well.
    title = finding["title"]["text"]
    if finding.get("severity"):
        title = f"{title} ({_('severity')}: {finding['severity']})"
    if finding.get("obstacle"):
        title = f"{finding['obstacle']}: {title}"
    b.heading(title, level=3)
    b.para(finding["description"])
    evidence = list(finding["evidence"])
    if finding.get("recommendation_numbers"):
        evidence.append(
            _("Recommendations: %(numbers)s")
            % {"numbers": ", ".join(str(n) for n in finding["recommendation_numbers"])}
        )
    b.items(evidence)


def visit_document(data: dict[str, Any]) -> dict[str, Any]:
    b = Builder()
    visit, place, summary = data["visit"], data["institution"], data["summary"]
    external = data["edition"] == "external"
    b.blocks.append({"type": "toc"})

    b.heading(pgettext("report chapter", "Summary"))
    b.para(
        _(
            "On %(date)s a group of the National Preventive Mechanism made a %(kind)s, "
            "%(announced)s visit to %(institution)s (%(region)s)."
        )
        % {
            "date": visit["planned_date"],
            "kind": visit["kind"],
            "announced": visit["announced"],
            "institution": place["name"],
            "region": place["region"],
        }
    )
    b.para(
        _(
            "The group recorded %(problems)s, of which %(severe)s high or critical; "
            "%(good)s; %(allegations)s; %(obstacles)s. It makes %(recommendations)s."
        )
        % {
            "problems": ngettext("%(n)s problem", "%(n)s problems", summary["problems"])
            % {"n": summary["problems"]},
            "severe": summary["severe"],
            "good": ngettext(
                "%(n)s good practice", "%(n)s good practices", summary["good_practice"]
            )
            % {"n": summary["good_practice"]},
            "allegations": ngettext(
                "%(n)s allegation of ill-treatment or reprisals",
                "%(n)s allegations of ill-treatment or reprisals",
                summary["allegations"],
            )
            % {"n": summary["allegations"]},
            "obstacles": ngettext(
                "%(n)s obstacle to access", "%(n)s obstacles to access", summary["obstacles"]
            )
            % {"n": summary["obstacles"]},
            "recommendations": ngettext(
                "%(n)s recommendation", "%(n)s recommendations", summary["recommendations"]
            )
            % {"n": summary["recommendations"]},
        }
    )
    if summary["key_findings"]:
        b.para(_("The most serious findings:"))
        b.items([f"{k['title']['text']} ({k['severity']})" for k in summary["key_findings"]])

    b.heading(_("The visit"))
    b.facts(
        [
            (_("Date"), visit["planned_date"]),
            (_("Time in"), visit["started_at"]),
            (_("Time out"), visit["ended_at"]),
            (_("Type of visit"), f"{visit['kind']}, {visit['announced']}"),
            (_("Theme"), visit["theme"]),
            (
                _("First or follow-up"),
                _("first visit to this institution")
                if visit["first_visit"]
                else _("the institution was visited before"),
            ),
            (_("Status of the record"), data["status"]),
            *[(t["role"], ", ".join(t["people"])) for t in visit["team"]],
            (
                _("Interviews"),
                "; ".join(f"{kind}: {n}" for kind, n in visit["interviews"]) or _("none"),
            ),
        ]
    )
    if visit["objectives"]:
        b.para(_("Objectives:"), style="label")
        b.para(visit["objectives"])

    b.heading(_("The institution"))
    b.facts(
        [
            (pgettext("of an institution", "Name"), place["name"]),
            (_("Type"), place["type"]),
            (_("Department"), place["department"]),
            (_("Region"), place["region"]),
            (_("Address"), place["address"]),
            (_("Capacity"), place["capacity"]),
            (
                _("Population"),
                (
                    f"{place['population']}"
                    + (f" ({place['population_date']})" if place["population_date"] else "")
                    + (
                        " — " + _("%(p)s%% of capacity") % {"p": place["occupancy"]}
                        if place["occupancy"] is not None
                        else ""
                    )
                )
                if place["population"] is not None
                else None,
            ),
        ]
    )

    b.heading(_("Changes since the previous visit"))
    previous = data["previous"]
    if previous is None:
        b.none(_("This is the first visit to the institution recorded in Kuzet."))
    else:
        b.para(
            _("The previous visit (%(kind)s) took place on %(date)s.")
            % {"kind": previous["kind"], "date": previous["date"]}
        )
        if previous["recommendations"]:
            b.table(
                [_("Recommendation"), _("Addressee"), _("Deadline"), _("Status now")],
                [
                    [
                        r["text"],
                        r["addressee"],
                        r["deadline"],
                        r["status"] + (" — " + _("repeated") if r["repeated"] else ""),
                    ]
                    for r in previous["recommendations"]
                ],
            )
        else:
            b.none(_("The previous visit made no recommendation."))

    b.heading(_("Findings by theme"))
    if not data["themes"]:
        b.none(_("No problem was recorded."))
    for theme in data["themes"]:
        b.heading(theme["label"][:1].upper() + theme["label"][1:], level=2)
        for finding in theme["findings"]:
            _finding(b, finding)

    b.heading(_("Good practice"))
    if not data["good_practice"]:
        b.none(_("No good practice was recorded."))
    for finding in data["good_practice"]:
        _finding(b, finding)

    b.heading(_("Allegations of torture, ill-treatment and reprisals"))
    if external:
        b.para(
            _(
                "People are not named. What a person said is given only where that person "
                "agreed to be quoted."
            ),
            style="muted",
        )
    if not data["allegations"]:
        b.none(_("No allegation was recorded."))
    for allegation in data["allegations"]:
        b.heading(f"{allegation['person']}: {allegation['kind']}", level=3)
        b.facts(
            [
                (_("Alleged perpetrators"), allegation["perpetrator"]),
                (_("Methods"), allegation["methods"]),
                (_("Isolated or pattern"), allegation["extent"]),
                (_("Referral"), allegation["referral"]),
                (_("Date"), allegation.get("date")),
                (_("Place"), allegation.get("place")),
                (_("Injuries observed"), allegation.get("injuries")),
                (_("Medical documentation"), allegation.get("medical_documentation")),
                (_("Witnesses"), allegation.get("witnesses")),
                (_("Outcome of the referral"), allegation.get("outcome")),
            ]
        )
        if allegation["circumstances"] is not None:
            b.para(allegation["circumstances"])
        else:
            b.none(_("The circumstances are not given: the person did not agree to be quoted."))

    b.heading(_("Obstacles to access"))
    if not data["obstacles"]:
        b.none(_("The group met no obstacle to access."))
    for finding in data["obstacles"]:
        _finding(b, finding)

    b.heading(_("Recommendations"))
    if not data["recommendations"]:
        b.none(_("No recommendation was made."))
    else:
        b.table(
            ["№", _("Recommendation"), _("Addressee"), _("Deadline"), _("Priority")],
            [
                [
                    r["number"],
                    cell(r["text"]) + (f" ({r['repeats']})" if r["repeats"] else ""),
                    r["addressee"],
                    r["deadline"],
                    r["priority"],
                ]
                for r in data["recommendations"]
            ],
        )

    if data["amendments"]:
        b.heading(_("Amendments after approval"))
        for amendment in data["amendments"]:
            b.heading(
                f"{amendment['section'][:1].upper()}{amendment['section'][1:]}, {amendment['date']}",
                level=3,
            )
            b.para(amendment["text"])
            b.para(_("Reason: %(reason)s") % {"reason": cell(amendment["reason"])}, style="muted")

    if not external:
        b.blocks.append({"type": "pagebreak"})
        b.heading(_("Annex: people met (confidential)"))
        b.para(
            _(
                "This annex names the people the group met. It is never part of the external "
                "edition and must not leave the NPM."
            ),
            style="muted",
        )
        if data["people"]:
            b.table(
                [_("Code"), _("Full name"), _("Date of birth"), _("Cell or room")],
                [[p["code"], p["full_name"], p["birth_date"], p["cell"]] for p in data["people"]],
            )
        else:
            b.none(_("No person was recorded by code."))

    return {
        "title": data["title"],
        "subtitle": data["edition_label"],
        "meta": [
            place["region"],
            visit["planned_date"],
        ],
        "draft": data["draft"],
        "language": data["language"],
        "blocks": b.blocks,
    }


def annual_document(data: dict[str, Any]) -> dict[str, Any]:
    b = Builder()
    totals = data["totals"]
    b.blocks.append({"type": "toc"})

    b.heading(pgettext("report chapter", "Summary"))
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

    b.heading(_("The visits in figures"))
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
    b.heading(_("Visits by region"), level=2)
    if data["by_region"]:
        b.table([_("Region"), _("Visits")], data["by_region"], numeric=(1,))
    else:
        b.none(_("No visits."))
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

    b.heading(_("Chapters by department"))
    for chapter in data["chapters"]:
        b.heading(chapter["title"], level=2)
        if not chapter["visits"]:
            b.none(
                _(
                    "No visit with an approved report in the period (%(n)s institutions in the inventory)."
                )
                % {"n": chapter["inventory"]}
            )
            continue
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
        if chapter["themes"]:
            b.table([_("Theme"), _("Problems")], chapter["themes"], numeric=(1,))
        if chapter["serious"]:
            b.para(_("Serious problems found, for example:"), style="label")
            b.items(
                [
                    f"{cell(f['title'])} — {f['institution']} ({f['severity']})"
                    for f in chapter["serious"]
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

    b.heading(_("Systemic problems"))
    if data["systemic"]:
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
    else:
        b.none(_("No checklist item was found not complied with."))

    b.heading(_("Recommendations"))
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
            _("Recommendations to departments and on legislation, and those of high priority."),
            style="muted",
        )
        b.table(
            [_("Recommendation"), _("Addressee"), _("Institution"), _("Status")],
            [
                [r["text"], r["addressee"], r["institution"], r["status"]]
                for r in data["recommendations"]
            ],
        )
        if data["recommendations_more"]:
            b.none(
                _("…and %(n)s more: see the list of recommendations.")
                % {"n": data["recommendations_more"]}
            )
    if not rows:
        b.none(_("No recommendation was made in the period."))

    return {
        "title": data["title"],
        "subtitle": _("Period: %(period)s") % {"period": data["period"]["label"]},
        "meta": [],
        "draft": False,
        "language": data["language"],
        "blocks": b.blocks,
    }


def _short(label: str, length: int = 48) -> str:
    return label if len(label) <= length else label[: length - 1].rstrip() + "…"
