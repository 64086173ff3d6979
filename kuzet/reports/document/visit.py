"""The visit report as a document: one function per chapter, in the report's order."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from .blocks import Builder, cell

Data = dict[str, Any]


def visit_document(data: Data) -> dict[str, Any]:
    b = Builder()
    b.blocks.append({"type": "toc"})
    for chapter in CHAPTERS:
        chapter(b, data)
    return {
        "title": data["title"],
        "subtitle": data["edition_label"],
        "meta": [
            data["institution"]["region"],
            data["visit"]["date"],
        ],
        "draft": data["draft"],
        "language": data["language"],
        "blocks": b.blocks,
    }


def _summary(b: Builder, data: Data) -> None:
    visit, place, summary = data["visit"], data["institution"], data["summary"]
    b.heading(pgettext("report chapter", "Summary"))
    b.para(
        _(
            "On %(date)s a group of the National Preventive Mechanism made a %(kind)s, "
            "%(announced)s visit to %(institution)s (%(region)s)."
        )
        % {
            "date": visit["date"],
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


def _the_visit(b: Builder, data: Data) -> None:
    visit = data["visit"]
    b.heading(_("The visit"))
    b.facts(
        [
            (_("Date"), visit["date"]),
            # The plan, when the team entered on another day.
            (
                _("Planned date"),
                visit["planned_date"] if visit["planned_date"] != visit["date"] else "",
            ),
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


def _institution(b: Builder, data: Data) -> None:
    place = data["institution"]
    b.heading(_("The institution"))
    b.facts(
        [
            (pgettext("of an institution", "Name"), place["name"]),
            (_("Type"), place["type"]),
            (_("Department"), place["department"]),
            (_("Region"), place["region"]),
            (_("Address"), place["address"]),
            (_("Capacity"), place["capacity"]),
            (_("Population"), _population(place)),
        ]
    )


def _population(place: Data) -> str | None:
    """The population, with its date and the occupancy of the capacity where known."""
    if place["population"] is None:
        return None
    return (
        f"{place['population']}"
        + (f" ({place['population_date']})" if place["population_date"] else "")
        + (
            " — " + _("%(p)s%% of capacity") % {"p": place["occupancy"]}
            if place["occupancy"] is not None
            else ""
        )
    )


def _previous(b: Builder, data: Data) -> None:
    b.heading(_("Changes since the previous visit"))
    previous = data["previous"]
    if previous is None:
        b.none(_("This is the first visit to the institution recorded in Kuzet."))
        return
    b.para(
        _("The previous visit (%(kind)s) took place on %(date)s.")
        % {"kind": previous["kind"], "date": previous["date"]}
    )
    if not previous["recommendations"]:
        b.none(_("The previous visit made no recommendation."))
        return
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


def _finding(b: Builder, finding: Data) -> None:
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
            # Numbers, not a count: "Recommendations No. 2, 3" (issue 16).
            _("Recommendations No. %(numbers)s")
            % {"numbers": ", ".join(str(n) for n in finding["recommendation_numbers"])}
        )
    b.items(evidence)


def _findings(b: Builder, data: Data) -> None:
    b.heading(_("Findings by theme"))
    if not data["themes"]:
        b.none(_("No problem was recorded."))
    for theme in data["themes"]:
        b.heading(theme["label"][:1].upper() + theme["label"][1:], level=2)
        for finding in theme["findings"]:
            _finding(b, finding)


def _good_practice(b: Builder, data: Data) -> None:
    b.heading(_("Good practice"))
    if not data["good_practice"]:
        b.none(_("No good practice was recorded."))
    for finding in data["good_practice"]:
        _finding(b, finding)


def _allegations(b: Builder, data: Data) -> None:
    b.heading(_("Allegations of torture, ill-treatment and reprisals"))
    if data["edition"] == "external":
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


def _obstacles(b: Builder, data: Data) -> None:
    b.heading(_("Obstacles to access"))
    if not data["obstacles"]:
        b.none(_("The group met no obstacle to access."))
    for finding in data["obstacles"]:
        _finding(b, finding)


def _recommendations(b: Builder, data: Data) -> None:
    b.heading(_("Recommendations"))
    if not data["recommendations"]:
        b.none(_("No recommendation was made."))
        return
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


def _amendments(b: Builder, data: Data) -> None:
    """Only when the approved record was amended."""
    if not data["amendments"]:
        return
    b.heading(_("Amendments after approval"))
    for amendment in data["amendments"]:
        b.heading(
            f"{amendment['section'][:1].upper()}{amendment['section'][1:]}, {amendment['date']}",
            level=3,
        )
        b.para(amendment["text"])
        b.para(_("Reason: %(reason)s") % {"reason": cell(amendment["reason"])}, style="muted")


def _annex(b: Builder, data: Data) -> None:
    """The people met, by name: in the internal edition only, on a page of its own."""
    if data["edition"] == "external":
        return
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


CHAPTERS = (
    _summary,
    _the_visit,
    _institution,
    _previous,
    _findings,
    _good_practice,
    _allegations,
    _obstacles,
    _recommendations,
    _amendments,
    _annex,
)
