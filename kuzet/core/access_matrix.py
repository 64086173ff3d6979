"""The access-control matrix, computed from the policy (``core.policy`` and ``core.access``).

``manage.py access_matrix --format md`` writes it; ``docs/security/access-matrix.md`` is that
output, and a test compares the two, so the document cannot drift from the code.
"""

import csv
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from kuzet.core.access import VisitAction, VisitFacts, decide_visit
from kuzet.core.policy import (
    CONTENT_ROLES,
    REGIONAL_ROLES,
    TWO_FACTOR_ROLES,
    Action,
    Role,
    regions_where,
)

if TYPE_CHECKING:
    from kuzet.core.policy import AnyUser

OWN_REGION, OTHER_REGION = 1, 2

ACTION_MEANING: dict[Action, str] = {
    Action.VIEW_INVENTORY: "read the register of places of detention",
    Action.EDIT_INSTITUTION: "add or change a place of detention",
    Action.IMPORT_INSTITUTIONS: "import places of detention from a spreadsheet",
    Action.MANAGE_REFERENCE_DATA: "maintain regions, types and other reference lists",
    Action.MANAGE_GROUP: "maintain regional groups and their members",
    Action.MANAGE_USERS: "create users, change roles (raises need a second person)",
    Action.VIEW_AUDIT: "read the audit trail",
    Action.PLAN_VISIT: "plan a visit and its team",
    Action.VIEW_VISIT: "open a visit (team-only roles: their team's visits)",
    Action.CONDUCT_VISIT: "record on a visit (team-only roles: their team's visits)",
    Action.REVIEW_VISIT: "comment on, return or approve a visit's record",
    Action.APPROVE_REPORT: "send an approved report and close the visit",
    Action.AMEND_VISIT: "amend an approved record",
    Action.VIEW_DASHBOARD: "read the dashboard's indicators",
    Action.APPROVE_ANNUAL_REPORT: "approve the annual report's sections and the whole for publication",
    Action.COMPILE_ANNUAL_REPORT: "compile the annual report: write its sections, choose and order their examples, comment on them",
    Action.FOLLOW_UP_RECOMMENDATION: "assess what the authorities did with a recommendation",
    Action.VIEW_IDENTITIES: "see identities of interviewed people (and only on the visit's team)",
    Action.VIEW_INSTRUMENTS: "read instruments and the legal library",
    Action.MANAGE_INSTRUMENTS: "maintain instruments and the legal library",
    Action.ALLOW_TEAM_FROM_OUTSIDE_REGION: "put people from another region on a team",
    Action.MANAGE_QUALITY_SETTINGS: "set the report-quality thresholds",
    Action.MANAGE_APPEALS: "keep the register of video appeals",
    Action.MANAGE_SELECTION: "open calls for members, check eligibility, decide and invite",
    Action.VIEW_APPLICATIONS: "read applicants' applications and their personal data",
    Action.SCORE_APPLICATIONS: "score applicants on a call's criteria",
    Action.MANAGE_PARTICIPANTS: "start, suspend, end or exclude participants' terms",
    Action.VIEW_MEETINGS: "read the Council's meetings, agendas, votes and unpublished decisions",
    Action.MANAGE_MEETINGS: (
        "record Council meetings and decisions taken on agenda items (selection, participants'"
        " terms, group changes, team rules) and publish them"
    ),
    Action.ADD_MEETING_DOCUMENTS: (
        "upload documents to a Council meeting or link Kuzet's own (annual report, planning,"
        " indicators)"
    ),
    Action.INVITE_OFFICIALS: "invite an addressee's officials to the portal",
    Action.PUBLISH_REPORTS: "publish or withdraw a report on the public site",
    Action.ANSWER_RECOMMENDATION: "answer the recommendations addressed to one's own organisation",
}

RELATIONS = (
    ("team leader", 11),
    ("team member", 12),
    ("same region, not on the team", 13),
    ("another region", 14),
)
TEAM_PLACES = frozenset({11, 12})


@dataclass(frozen=True)
class _Person:
    """A user as the policy sees one: a role, regional groups in region 1, an id."""

    pk: int
    role: str
    regions: frozenset[int]
    is_authenticated: bool = True
    is_active: bool = True

    def region_ids(self) -> frozenset[int]:
        return self.regions


def _person(role: Role, pk: int) -> "AnyUser":
    region = OTHER_REGION if pk == 14 else OWN_REGION
    # The policy reads only these attributes of a user (policy.PolicyUser).
    return cast("AnyUser", _Person(pk=pk, role=role.value, regions=frozenset({region})))


def role_cell(role: Role, action: Action) -> str:
    allowed = regions_where(_person(role, 13), action)
    if allowed is None:
        return "all regions"
    return "own regions" if allowed else "—"


def visit_cell(role: Role, pk: int, action: VisitAction) -> str:
    # Amending needs an approved record; everything else is asked on an open one.
    locked = action == VisitAction.AMEND
    facts = VisitFacts(
        region_id=OWN_REGION,
        team_user_ids=frozenset({11, 12}),
        leader_user_ids=frozenset({11}),
        locked=locked,
    )
    return "yes" if decide_visit(_person(role, pk), facts).may(action) else "—"


def role_rows() -> list[list[str]]:
    return [
        [action.value, ACTION_MEANING.get(action, ""), *(role_cell(r, action) for r in Role)]
        for action in Action
    ]


def visit_rows() -> list[list[str]]:
    rows = []
    for role in Role:
        for relation, pk in RELATIONS:
            if pk in TEAM_PLACES and role not in REGIONAL_ROLES:
                continue  # only the NPM's participants are put on a team (policy.may_join_team)
            rows.append([role.value, relation, *(visit_cell(role, pk, a) for a in VisitAction)])
    return rows


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def as_markdown() -> str:
    roles = [r.value for r in Role]
    two_factor = ", ".join(r.value for r in Role if r in TWO_FACTOR_ROLES)
    content = ", ".join(r.value for r in Role if r in CONTENT_ROLES)
    parts = [
        "# Access-control matrix",
        "",
        "Generated from `kuzet/core/policy.py` and `kuzet/core/access.py` by "
        "`manage.py access_matrix --format md > docs/security/access-matrix.md`; "
        "`core/tests/test_access_matrix_document.py` fails when this file differs from the "
        "command's output. Do not edit by hand.",
        "",
        "## Roles and actions",
        "",
        "*all regions*: the role may do the action everywhere; *own regions*: only in the "
        "regions of the user's active regional groups; *—*: never. Anonymous users may do "
        "nothing but sign in.",
        "",
        _table(["action", "meaning", *roles], role_rows()),
        "",
        "## Actions on one visit",
        "",
        "Asked of `core.access.decide_visit` for a visit in the user's own region whose team "
        "is a leader and a member; national roles are never on a team (amend: once its record is approved; every other action: "
        "while it is open — once approved, `record` is refused to everyone).",
        "",
        _table(["role", "relation to the visit", *(a.value for a in VisitAction)], visit_rows()),
        "",
        "## Sign-in and role changes",
        "",
        f"- A second factor (TOTP) is required of: {two_factor}.",
        f"- Raising a user to a role that reads visit content ({content}) waits for a second "
        "administrator or the secretariat to confirm it; nobody changes their own role.",
        "- Interview items (responses and media linked to an interview) follow `see_identities`; "
        "video appeals follow, in addition, the person's consent (`core.access.appeal_refusal`).",
        "",
    ]
    return "\n".join(parts)


def as_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kind", "subject", "detail", *(r.value for r in Role)])
    for row in role_rows():
        writer.writerow(["role_action", row[0], row[1], *row[2:]])
    writer.writerow([])
    writer.writerow(["kind", "role", "relation", *(a.value for a in VisitAction)])
    for row in visit_rows():
        writer.writerow(["visit_action", *row])
    return out.getvalue()
