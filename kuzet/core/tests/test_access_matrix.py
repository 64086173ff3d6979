"""The access matrix: every URL the resolver knows × every role (and anonymous) × a visit
on/off the user's team and in another region, checked against the policy's answer.

A URL name missing from ``EXPECTED`` fails the test: a new page states who may open it.
A signed-in user who may not see a visit gets 404 on its pages, as for a visit that does
not exist, so that the answer does not reveal which visits exist (the refusal is audited).
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kuzet.conftest import InstitutionFactory
from kuzet.core.access import VisitAction
from kuzet.core.policy import NPM_ROLES, PORTAL_ROLES, Action, Role, can
from kuzet.dashboard.indicators import TABLES
from kuzet.people.models import User
from kuzet.registry.models import Region
from kuzet.visits.models import TeamMember, Visit
from kuzet.visits.services.access import visit_access
from kuzet.visits.services.planning import TeamPlace, visit_plan

Rule = Callable[[Any, Visit | None], bool]


@dataclass(frozen=True)
class Expect:
    rule: Rule
    on_visit: bool = False  # the URL takes the visit's pk (or an object of the visit)


def public(user: Any, visit: Visit | None) -> bool:
    return True


def signed_in(user: Any, visit: Visit | None) -> bool:
    return user is not None and user.is_authenticated


def npm_signed_in(user: Any, visit: Visit | None) -> bool:
    """Signed in as one of the NPM's people: an addressee's official sees only the portal."""
    return signed_in(user, visit) and user.role in NPM_ROLES


def official(user: Any, visit: Visit | None) -> bool:
    return signed_in(user, visit) and user.role in PORTAL_ROLES


def role(action: Action) -> Rule:
    def rule(user: Any, visit: Visit | None) -> bool:
        region_id = visit.institution.region_id if visit is not None else None
        return can(user, action, region_id)

    return rule


def visit_rule(action: VisitAction) -> Rule:
    def rule(user: Any, visit: Visit | None) -> bool:
        assert visit is not None
        return signed_in(user, visit) and visit_access(user, visit).may(action)

    return rule


def either(*actions: Action) -> Rule:
    def rule(user: Any, visit: Visit | None) -> bool:
        return any(can(user, action) for action in actions)

    return rule


def admin_site(user: Any, visit: Visit | None) -> bool:
    return can(user, Action.MANAGE_REFERENCE_DATA) or can(user, Action.MANAGE_USERS)


def V(action: VisitAction) -> Expect:
    return Expect(visit_rule(action), on_visit=True)


SKIP = object()  # out of scope of this table (the field API and tus: see the end of the file)

EXPECTED: dict[str, Any] = {
    "healthz": Expect(public),
    "set_language": Expect(public),
    "home": Expect(signed_in),  # each section shows only what the person may open
    "people:login": Expect(public),
    "people:logout": Expect(public),
    "people:two_factor_verify": Expect(signed_in),
    "people:two_factor_setup": Expect(signed_in),
    "people:profile": Expect(signed_in),
    # A reset link is for one user, not a role: people/tests/test_separation_of_duties.py.
    "people:reset": SKIP,
    "devices:revoke": Expect(npm_signed_in),
    "registry:institution_list": Expect(role(Action.VIEW_INVENTORY)),
    "registry:institution_import": Expect(role(Action.IMPORT_INSTITUTIONS)),
    "registry:institution_import_template": Expect(role(Action.IMPORT_INSTITUTIONS)),
    "registry:institution_detail": Expect(role(Action.VIEW_INVENTORY)),
    "registry:norm_list": Expect(role(Action.VIEW_INSTRUMENTS)),
    "registry:norm_texts_import": Expect(role(Action.MANAGE_REFERENCE_DATA)),
    "registry:norm_texts_import_template": Expect(role(Action.MANAGE_REFERENCE_DATA)),
    "instruments:instrument_list": Expect(role(Action.VIEW_INSTRUMENTS)),
    "instruments:version_upload": Expect(role(Action.MANAGE_INSTRUMENTS)),
    "instruments:version_compare": Expect(role(Action.VIEW_INSTRUMENTS)),
    "instruments:instrument_types": Expect(role(Action.MANAGE_INSTRUMENTS)),
    "instruments:version_detail": Expect(role(Action.VIEW_INSTRUMENTS)),
    "instruments:version_publish": Expect(role(Action.MANAGE_INSTRUMENTS)),
    "instruments:version_discard": Expect(role(Action.MANAGE_INSTRUMENTS)),
    "instruments:version_xlsform": Expect(role(Action.VIEW_INSTRUMENTS)),
    "visits:visit_list": Expect(role(Action.VIEW_VISIT)),
    "visits:visit_plan": Expect(role(Action.PLAN_VISIT)),
    "visits:visit_detail": V(VisitAction.VIEW),
    "visits:visit_transition": V(VisitAction.VIEW),
    "visits:visit_times": V(VisitAction.RECORD),
    "visits:interview_new": V(VisitAction.VIEW),  # GET: an empty form; POST checks RECORD
    "visits:finding_new": V(VisitAction.VIEW),  # GET: an empty form; POST checks RECORD
    "visits:allegation_new": V(VisitAction.VIEW),  # GET: an empty form; POST checks RECORD
    # Correcting one record of a visit: visits/tests/test_corrections.py.
    "visits:interview_edit": SKIP,
    "visits:finding_edit": SKIP,
    "visits:allegation_edit": SKIP,
    "visits:responses_tab": V(VisitAction.VIEW),
    "visits:response_start": V(VisitAction.RECORD),
    "visits:response_edit": SKIP,
    "visits:review_tab": V(VisitAction.VIEW),
    "visits:review_comment": V(VisitAction.REVIEW),
    "visits:comment_resolve": SKIP,
    "visits:amendment_add": V(VisitAction.AMEND),
    "visits:text_check": V(VisitAction.RECORD),  # POST only: GET answers 405
    "visits:media_tab": V(VisitAction.VIEW),
    "visits:media_upload": V(VisitAction.RECORD),
    "visits:media_file": SKIP,
    "visits:visit_tab": V(VisitAction.VIEW),
    "visits:appeal_list": Expect(role(Action.MANAGE_APPEALS)),
    "visits:appeal_detail": SKIP,  # one appeal: visits/tests/test_appeals.py, every role
    "recommendations:recommendation_list": Expect(role(Action.VIEW_VISIT)),
    "recommendations:recommendation_detail": SKIP,
    "recommendations:recommendation_assess": SKIP,
    "recommendations:recommendation_new": V(VisitAction.VIEW),  # GET: an empty form
    "recommendations:recommendation_edit": SKIP,  # visits/tests/test_corrections.py
    "recommendations:visit_send": V(VisitAction.SEND),
    "reports:index": Expect(either(Action.VIEW_VISIT, Action.COMPILE_ANNUAL_REPORT)),
    "reports:visit_report": V(VisitAction.VIEW),
    "reports:visit_generate": V(VisitAction.VIEW),
    "reports:media_export": V(VisitAction.VIEW),  # items filtered by may_see_item
    "reports:annual_report": Expect(role(Action.COMPILE_ANNUAL_REPORT)),
    "reports:annual_generate": Expect(role(Action.COMPILE_ANNUAL_REPORT)),
    "reports:annual_workspace": Expect(role(Action.COMPILE_ANNUAL_REPORT)),
    "reports:annual_workspace_open": Expect(role(Action.COMPILE_ANNUAL_REPORT)),  # POST
    "reports:annual_section_save": Expect(role(Action.COMPILE_ANNUAL_REPORT)),  # POST
    "reports:annual_section_status": Expect(role(Action.COMPILE_ANNUAL_REPORT)),  # POST
    "reports:annual_section_examples": Expect(role(Action.COMPILE_ANNUAL_REPORT)),  # POST
    "reports:annual_section_comment": Expect(role(Action.COMPILE_ANNUAL_REPORT)),  # POST
    "reports:annual_comment_resolve": Expect(role(Action.COMPILE_ANNUAL_REPORT)),  # POST
    "reports:annual_edition_approve": Expect(role(Action.COMPILE_ANNUAL_REPORT)),  # POST
    "reports:annual_edition_publish": Expect(role(Action.COMPILE_ANNUAL_REPORT)),  # POST
    "reports:annual_translations": Expect(role(Action.COMPILE_ANNUAL_REPORT)),
    "reports:annual_recommendations_annex": Expect(role(Action.COMPILE_ANNUAL_REPORT)),
    "reports:annual_translation_claim": Expect(role(Action.COMPILE_ANNUAL_REPORT)),  # POST
    "reports:annual_translation_save": Expect(role(Action.COMPILE_ANNUAL_REPORT)),  # POST
    "reports:generated_detail": SKIP,
    "reports:download": SKIP,
    "reports:export": Expect(role(Action.VIEW_VISIT)),
    "field:shell": Expect(public),
    "field:service_worker": Expect(public),
    "field:manifest": Expect(public),
    "dashboard:indicators": Expect(role(Action.VIEW_DASHBOARD)),
    "dashboard:chart": Expect(role(Action.VIEW_DASHBOARD)),
    "dashboard:csv": Expect(role(Action.VIEW_DASHBOARD)),
    "dashboard:visits": Expect(role(Action.VIEW_DASHBOARD)),
    "dashboard:planning": Expect(role(Action.VIEW_DASHBOARD)),
    "dashboard:plan_remove": SKIP,
    "dashboard:weights": Expect(role(Action.VIEW_DASHBOARD)),
    "quality:settings": Expect(role(Action.MANAGE_QUALITY_SETTINGS)),
    "quality:lexicons": Expect(role(Action.MANAGE_QUALITY_SETTINGS)),
    "quality:lexicon": Expect(role(Action.MANAGE_QUALITY_SETTINGS)),
    "uploads:uploads": SKIP,
    "uploads:upload": SKIP,
    # ODK clients sign in with an app password (HTTP Basic), not the session:
    # kuzet/openrosa/tests/test_odk_collect.py checks who gets which form.
    "openrosa:root": Expect(public),
    "openrosa:form_list": SKIP,
    "openrosa:form": SKIP,
    "openrosa:manifest": SKIP,
    "openrosa:submission": SKIP,
    "openrosa:connect": Expect(npm_signed_in),
    "api-v1:openapi-json": SKIP,
    "api-v1:device_token": SKIP,
    "api-v1:field_package": SKIP,
    "api-v1:field_submission": SKIP,
    "api-v1:field_submission_batch": SKIP,
    "api-v1:field_receipt": SKIP,
    "api-v1:field_receipts": SKIP,
    "api-v1:api-root": SKIP,
    "core:audit_list": Expect(role(Action.VIEW_AUDIT)),
    "notifications:list": Expect(signed_in),  # one's own notifications only
    # Another person's notification is a 404: notifications/tests/test_notifications.py.
    "notifications:open": SKIP,
    "notifications:read_all": Expect(signed_in),
    "notifications:email": Expect(signed_in),
    # Membership: the public pages, and the selection's pages by role.
    "apply:calls": Expect(public),
    "apply:sent": Expect(public),
    # One call, one application, one invitation, one mandate: membership/tests.
    "apply:apply": SKIP,
    "apply:outcome": SKIP,
    "apply:status": SKIP,
    "apply:invitation": SKIP,
    "apply:meetings": Expect(public),
    "apply:meeting": SKIP,  # one published meeting: membership/tests/test_meetings.py
    "verify:verify": Expect(public),
    "verify:code": Expect(public),
    "membership:calls": Expect(role(Action.VIEW_APPLICATIONS)),
    "membership:call_new": Expect(role(Action.MANAGE_SELECTION)),
    "membership:call": SKIP,
    "membership:decide": SKIP,
    "membership:publish": SKIP,
    "membership:application": SKIP,
    "membership:invite": SKIP,
    "membership:attachment": SKIP,
    "membership:participants": Expect(role(Action.MANAGE_PARTICIPANTS)),
    "membership:participant_photo": SKIP,
    "membership:meetings": Expect(role(Action.VIEW_MEETINGS)),
    # One meeting, its agenda, decisions and publication: membership/tests/test_meetings.py.
    "membership:meeting": SKIP,
    "membership:meeting_agenda": SKIP,
    "membership:meeting_decide": SKIP,
    "membership:meeting_publish": SKIP,
    # One meeting's documents and one decision: membership/tests/test_council.py (every role).
    "membership:meeting_document_upload": SKIP,
    "membership:meeting_document_link": SKIP,
    "membership:meeting_document": SKIP,
    "membership:decision_publish": SKIP,
    # One's own term; 404 for anyone without one: membership/tests.
    "membership:onboarding": SKIP,
    "membership:mandate": SKIP,
    "membership:own_photo": SKIP,
    "admin:*": Expect(admin_site),
    # The addressee portal: an official's own pages (their addressee's recommendations
    # only: portal/tests/test_portal.py), the NPM's pages about it.
    "portal:index": Expect(official),
    "portal:recommendation": SKIP,  # one recommendation: portal/tests/test_portal.py
    "portal:evidence_file": SKIP,  # one file: portal/tests/test_portal.py
    "portal:invitation": SKIP,  # one link: portal/tests/test_portal.py
    "portal:officials": Expect(role(Action.INVITE_OFFICIALS)),
    "portal:answer_assess": SKIP,  # POST on one answer: portal/tests/test_portal.py
    "portal:overdue": Expect(role(Action.VIEW_VISIT)),
    # The public site: no sign-in.
    "public:root": Expect(public),
    "public:index": Expect(public),
    "public:reports": Expect(public),
    "public:report_file": SKIP,  # one published report: public/tests/test_public.py
    "public:addressees": Expect(public),
    "public:open_data": Expect(public),
    "public:data_file": Expect(public),
    "public:manage": Expect(role(Action.PUBLISH_REPORTS)),
}

# Values of URL parameters that are not an object's pk, by URL name.
KWARGS: dict[str, dict[str, Any]] = {
    "visits:visit_tab": {"tab": "findings"},
    "reports:export": {"dataset": "visits", "fmt": "csv"},
    "reports:annual_workspace": {"year": 2026},
    "reports:annual_workspace_open": {"year": 2026},
    "reports:annual_section_save": {"section": 1},
    "reports:annual_section_status": {"section": 1},
    "reports:annual_section_examples": {"section": 1},
    "reports:annual_section_comment": {"section": 1},
    "reports:annual_comment_resolve": {"comment": 1},
    "reports:annual_edition_approve": {"edition": 1},
    "reports:annual_edition_publish": {"edition": 1},
    "reports:annual_translations": {"year": 2026},
    "reports:annual_recommendations_annex": {"year": 2026},
    "reports:annual_translation_claim": {"year": 2026},
    "reports:annual_translation_save": {"year": 2026},
    "dashboard:chart": {"key": next(iter(TABLES))},
    "dashboard:csv": {"key": next(iter(TABLES))},
    "quality:lexicon": {"name": "stock_recommendation", "lang": "ru"},
    "public:index": {"lang": "ru"},
    "public:reports": {"lang": "kk"},
    "public:addressees": {"lang": "en"},
    "public:open_data": {"lang": "ru"},
    "public:data_file": {"lang": "ru", "dataset": "years", "fmt": "csv"},
}


def url_names() -> Iterator[tuple[str, URLPattern]]:
    def walk(resolver: URLResolver, namespaces: list[str]) -> Iterator[tuple[str, URLPattern]]:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = [*namespaces, pattern.namespace] if pattern.namespace else namespaces
                yield from walk(pattern, inner)
            elif pattern.name:
                yield ":".join([*namespaces, pattern.name]), pattern

    yield from walk(get_resolver(), [])


def test_every_url_name_has_an_expectation() -> None:
    missing = sorted(
        {name for name, _ in url_names() if name not in EXPECTED and not name.startswith("admin:")}
    )
    assert not missing, "".join(
        f"add url name {name} to EXPECTED in kuzet/core/tests/test_access_matrix.py\n"
        for name in missing
    )


@dataclass
class AsUser:
    """Enough of a request for a ModelAdmin's permission methods."""

    user: Any


def refused_status(response: Any, user: Any) -> bool:
    if response.status_code in (403, 404, 405):
        return True
    if response.status_code == 302 and "/admin/login/" in str(response["Location"]):
        return True  # the admin site sends those it refuses to its own sign-in page
    if response.status_code == 302 and user is None:
        return str(response["Location"]).startswith(reverse("people:login"))
    return False


def allowed_status(response: Any) -> bool:
    if response.status_code in (200, 204, 405):  # 405: a POST-only view answering GET
        return True
    return response.status_code == 302 and "/accounts/login/" not in str(response["Location"])


@pytest.mark.slow
def test_access_matrix(
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
    own_region: Region,
    other_region: Region,
    checklist: Any,
) -> None:
    users: dict[str, User | None] = {"anonymous": None}
    for each in Role:
        users[each.value] = make_user(each, username=f"m-{each.value}")
    coordinator = users[Role.COORDINATOR.value]
    other_leader = make_user(Role.GROUP_LEADER, username="m-other-leader")
    other_member = make_user(Role.PARTICIPANT, username="m-other-member")
    far_leader = make_user(Role.GROUP_LEADER, region=other_region, username="m-far-leader")
    far_member = make_user(Role.PARTICIPANT, region=other_region, username="m-far-member")
    far_coordinator = make_user(Role.COORDINATOR, region=other_region, username="m-far-coord")

    def plan(actor: User, leader: User, member: User, region: Region) -> Visit:
        team = [
            TeamPlace(leader, TeamMember.Role.LEADER),
            TeamPlace(member, TeamMember.Role.MEMBER),
        ]
        return visit_plan(
            actor=actor,
            institution=InstitutionFactory(region=region),
            planned_date=date(2026, 12, 1),
            team=team,
            objectives="Проверка",
        )

    visits = {
        "on team": plan(coordinator, users["group_leader"], users["participant"], own_region),
        "off team": plan(coordinator, other_leader, other_member, own_region),
        "other region": plan(far_coordinator, far_leader, far_member, other_region),
    }
    institution = visits["on team"].institution

    clients = {
        name: (Client() if user is None else client_for(user)) for name, user in users.items()
    }
    failures: list[str] = []

    def check(
        name: str,
        url: str,
        expect: Expect,
        visit: Visit | None,
        where: str,
        model_admin: Any = None,
    ) -> None:
        for user_name, user in users.items():
            response = clients[user_name].get(url)
            allowed = expect.rule(user, visit)
            if model_admin is not None and allowed:
                allowed = model_admin.has_view_permission(AsUser(user))
            if user is None and expect.rule is not public:
                allowed = False
            ok = allowed_status(response) if allowed else refused_status(response, user)
            hidden = (
                not allowed
                and expect.on_visit
                and user is not None
                and visit is not None
                and not visit_access(user, visit).view
            )
            if hidden and response.status_code not in (404, 405):
                ok = False
            if not ok:
                failures.append(
                    f"{name} {where} as {user_name}: expected "
                    f"{'not found' if hidden else 'allowed' if allowed else 'refused'}, "
                    f"got {response.status_code}"
                )

    for name, pattern in url_names():
        if name.startswith("admin:"):
            continue
        expect = EXPECTED[name]
        if expect is SKIP:
            continue
        params = set(pattern.pattern.converters)
        kwargs = dict(KWARGS.get(name, {}))
        if expect.on_visit:
            for where, visit in visits.items():
                url = reverse(name, kwargs={**kwargs, "pk": visit.pk})
                check(name, url, expect, visit, where)
            continue
        if "pk" in params:
            kwargs["pk"] = institution.pk
        if "code" in params:
            kwargs["code"] = checklist.instrument.code
        if "number" in params:
            kwargs["code"], kwargs["number"] = checklist.instrument.code, checklist.number
        check(name, reverse(name, kwargs=kwargs), expect, None, "")

    check("admin", reverse("admin:index"), EXPECTED["admin:*"], None, "index")
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        check("admin", url, EXPECTED["admin:*"], None, url, model_admin)

    assert not failures, "\n".join(failures)


def test_field_api_refuses_a_session_and_tus_needs_the_pages_csrf_token(
    participant: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(participant)
    assert client.get(reverse("api-v1:field_package")).status_code in (401, 403)
    # The media tab uploads through tus with its session, so a session's request must carry
    # the page's CSRF token (another site's page cannot).
    client.handler.enforce_csrf_checks = True
    upload = client.post(
        reverse("uploads:uploads"), HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_LENGTH="10"
    )
    assert upload.status_code == 403 and upload.json()["code"] == "csrf_failed"


def test_an_unknown_visit_and_a_hidden_one_get_the_same_404_and_the_hidden_one_is_audited(
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
    other_region: Region,
    own_region: Region,
) -> None:
    from kuzet.core.models import AuditAction, AuditEvent

    far_coordinator = make_user(Role.COORDINATOR, region=other_region, username="far-c")
    far_leader = make_user(Role.GROUP_LEADER, region=other_region, username="far-l")
    far_member = make_user(Role.PARTICIPANT, region=other_region, username="far-m")
    hidden = visit_plan(
        actor=far_coordinator,
        institution=InstitutionFactory(region=other_region),
        planned_date=date(2026, 12, 1),
        team=[
            TeamPlace(far_leader, TeamMember.Role.LEADER),
            TeamPlace(far_member, TeamMember.Role.MEMBER),
        ],
    )
    client = client_for(make_user(Role.COORDINATOR, region=own_region, username="near-c"))
    unknown = client.get(reverse("visits:visit_detail", kwargs={"pk": hidden.pk + 1000}))
    refused = client.get(reverse("visits:visit_detail", kwargs={"pk": hidden.pk}))
    assert unknown.status_code == refused.status_code == 404

    # The same page, but for the address it names and the form tokens of each answer.
    def page(response: Any, pk: int) -> str:
        text = response.content.decode().replace(f"/visits/{pk}/", "/visits/N/")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)

    assert page(unknown, hidden.pk + 1000) == page(refused, hidden.pk)
    audited = AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED, object_type="visits.visit", object_id=str(hidden.pk)
    )
    assert audited.count() == 1
    assert audited.get().values == {"refused": [None, "view: region"]}
