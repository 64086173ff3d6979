"""Writes of the open selection: calls, applications, the Council's scoring and decision,
invitations, onboarding, participants' terms. Each is atomic and refuses bad input whole."""

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import get_random_string, salted_hmac
from django.utils.translation import gettext as _

from kuzet.core.audit import audit_append
from kuzet.core.models import AuditAction
from kuzet.core.policy import REGIONAL_ROLES, Action, Role, can
from kuzet.instruments.models import Instrument, InstrumentVersion
from kuzet.instruments.scoring import score_test
from kuzet.instruments.validation import validate_response
from kuzet.membership.documents import resolve_system_document
from kuzet.membership.models import (
    AgendaItem,
    Answer,
    Application,
    Attachment,
    Call,
    ConflictDeclaration,
    Criterion,
    Decision,
    Ground,
    Meeting,
    MeetingDecision,
    MeetingDocument,
    MeetingVote,
    OnboardingAttempt,
    Participation,
    Score,
    TeamRule,
)
from kuzet.membership.ratelimit import RateLimited, rate_take
from kuzet.membership.selectors import council_quorum
from kuzet.membership.tokens import (
    code_hash,
    mandate_code,
    new_reference,
    status_token,
)
from kuzet.people.invitations import Purpose, invitations_of
from kuzet.people.invitations import invitation_issue as people_invitation_issue
from kuzet.people.models import GroupMembership, Invitation, RegionalGroup, User
from kuzet.registry.models import Region

# The consent text shown with the form (templates/membership/consent.html); a new text gets
# a new version, and each application stores the version its applicant agreed to.
CONSENT_VERSION = "2026-12"

SNIFF = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
EXTENSIONS = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}


def _require(user: Any, action: Action) -> None:
    if not can(user, action):
        raise PermissionDenied(_("Your role does not allow this."))


def email_key(email: str) -> str:
    return salted_hmac(
        "kuzet.membership.email", email.strip().casefold(), algorithm="sha256"
    ).hexdigest()


# --- Calls -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionSpec:
    name_ru: str
    name_kk: str
    weight: int


@transaction.atomic
def call_open(
    *,
    actor: Any,
    title_ru: str,
    title_kk: str,
    text_ru: str,
    text_kk: str,
    regions: list[Region],
    places: int,
    deadline: datetime,
    criteria: list[CriterionSpec],
) -> Call:
    _require(actor, Action.MANAGE_SELECTION)
    problems: dict[str, list[str]] = {}
    if not regions:
        problems["regions"] = [_("Choose at least one region.")]
    if not criteria:
        problems["criteria"] = [_("Publish at least one criterion with its weight.")]
    if deadline <= timezone.now():
        problems["deadline"] = [_("The deadline must be in the future.")]
    call = Call(
        title_ru=title_ru,
        title_kk=title_kk,
        text_ru=text_ru,
        text_kk=text_kk,
        places=places,
        deadline=deadline,
        created_by=actor,
    )
    try:
        call.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            problems.setdefault(field, []).extend(messages)
    if problems:
        raise ValidationError(problems)
    call.save()
    call.set_related("regions", regions)
    for position, spec in enumerate(criteria):
        criterion = Criterion(
            call=call,
            name_ru=spec.name_ru,
            name_kk=spec.name_kk,
            weight=spec.weight,
            position=position,
        )
        criterion.full_clean()
        criterion.save()
    return call


def call_accepts(call: Call, now: datetime | None = None) -> bool:
    return call.status == Call.Status.OPEN and (now or timezone.now()) < call.deadline


# --- Applying --------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes
    # The size received, when ``data`` was not read whole (an oversized file is not read).
    size: int | None = None


def sniff_upload(upload: Upload) -> str:
    """The content type of an attachment, or ValidationError naming the file and why."""
    limit = settings.MEMBERSHIP_ATTACHMENT_MAX_BYTES
    size = upload.size if upload.size is not None else len(upload.data)
    if size > limit:
        raise ValidationError(
            _("%(name)s is %(size)d KB; the limit is %(limit)d KB.")
            % {"name": upload.name, "size": size // 1024, "limit": limit // 1024}
        )
    if not upload.data:
        raise ValidationError(_("%(name)s is empty.") % {"name": upload.name})
    extension = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    declared = EXTENSIONS.get(extension)
    if declared is None:
        raise ValidationError(
            _("%(name)s: only PDF, JPEG and PNG files are accepted.") % {"name": upload.name}
        )
    if not upload.data.startswith(SNIFF[declared]):
        raise ValidationError(
            _("%(name)s is not a real %(kind)s file (its first bytes say otherwise).")
            % {"name": upload.name, "kind": extension[1:].upper()}
        )
    return declared


def decide_declared_eligibility(declarations: dict[str, str]) -> tuple[str, str]:
    """Eligibility from the declaration alone: every ground answered "does not apply" is
    eligible, one "applies" is not, any "not sure" waits for the secretariat."""
    applies = [Ground(g).label for g in Ground if declarations.get(g) == Answer.YES]
    if applies:
        return Application.Status.INELIGIBLE, "; ".join(str(label) for label in applies)
    if all(declarations.get(g) == Answer.NO for g in Ground):
        return Application.Status.ELIGIBLE, ""
    return Application.Status.RECEIVED, ""


def status_url(application: Application) -> str:
    return reverse(
        "apply:status",
        kwargs={"reference": application.reference, "token": status_token(application.reference)},
    )


def _mail_applicant(application: Application, subject: str, body: str) -> None:
    send_mail(subject, body, None, [application.email], fail_silently=True)


def application_submit(
    *,
    call: Call,
    data: dict[str, Any],
    uploads: list[Upload],
    address: str | None,
    base_url: str,
) -> Application | None:
    """Receive an application; e-mail its owner the private link that confirms the address.

    The answer is the same whether or not the address has applied before (then the owner is
    e-mailed their existing link instead): nobody but the mailbox's owner learns it.
    Raises ValidationError (nothing saved) or ratelimit.RateLimited (per address)."""
    if not call_accepts(call):
        raise ValidationError(_("This call is closed."))
    rate_take(
        scope="apply-address",
        value=address or "",
        limit=settings.MEMBERSHIP_APPLY_PER_ADDRESS_HOUR,
        window=timedelta(hours=1),
    )
    problems: list[str] = []
    if len(uploads) > settings.MEMBERSHIP_ATTACHMENTS_MAX:
        problems.append(
            _("Attach at most %(count)d files.") % {"count": settings.MEMBERSHIP_ATTACHMENTS_MAX}
        )
    types = []
    for upload in uploads:
        try:
            types.append(sniff_upload(upload))
        except ValidationError as exc:
            problems.extend(exc.messages)
    if problems:
        raise ValidationError({"attachments": problems})
    key = email_key(data["email"])
    try:
        # An address flooded with mail from here is left alone, silently (see docstring).
        rate_take(
            scope="apply-email",
            value=key,
            limit=settings.MEMBERSHIP_APPLY_PER_EMAIL_DAY,
            window=timedelta(days=1),
        )
    except RateLimited:
        return None
    existing = Application.objects.filter(
        call=call, email_key=key, anonymised_at__isnull=True
    ).first()
    if existing is not None:
        with translation.override(existing.language):
            _mail_applicant(
                existing,
                _("Your application to the NPM"),
                _(
                    'Someone (perhaps you) tried to apply again to "%(call)s" with this '
                    "address. You have already applied; your application and its status are "
                    "here: %(link)s\n\nIf this was not you, nothing needs doing."
                )
                % {"call": call.title, "link": base_url + status_url(existing)},
            )
        return None
    now = timezone.now()
    declarations = {g.value: data[f"ground_{g.value}"] for g in Ground}
    status, reason = decide_declared_eligibility(declarations)
    try:
        with transaction.atomic():
            application = Application(
                call=call,
                reference=new_reference(),
                full_name=data["full_name"],
                email=data["email"].strip(),
                email_key=key,
                phone=data["phone"],
                birth_date=data.get("birth_date"),
                region=data["region"],
                education=data["education"],
                experience=data["experience"],
                motivation=data["motivation"],
                declarations=declarations,
                declaration_notes=data.get("declaration_notes", ""),
                conflicts=data.get("conflicts", ""),
                consent_version=CONSENT_VERSION,
                consent_language=translation.get_language() or "ru",
                consent_given_at=now,
                publish_name=bool(data.get("publish_name")),
                language=translation.get_language() or "ru",
                submitted_at=now,
                status=status,
                status_reason=reason,
            )
            application.full_clean()
            application.save()
            for upload, content_type in zip(uploads, types, strict=True):
                attachment = Attachment(
                    application=application,
                    original_name=upload.name[-200:],
                    content_type=content_type,
                    size=len(upload.data),
                    sha256=hashlib.sha256(upload.data).hexdigest(),
                )
                attachment.file.save("upload", ContentFile(upload.data), save=False)
                attachment.save()
    except IntegrityError:
        return None  # the same address in a parallel request: the first one stands
    link = base_url + status_url(application)
    _mail_applicant(
        application,
        _("Confirm your application to the NPM"),
        _(
            'Thank you for applying to "%(call)s" (reference %(reference)s).\n\n'
            "Open this link to confirm your e-mail address; it is also the private page "
            "where you follow your application: %(link)s\n\n"
            "Keep this link to yourself. If you did not apply, ignore this message; an "
            "unconfirmed application is deleted after %(days)d days."
        )
        % {
            "call": call.title,
            "reference": application.reference,
            "link": link,
            "days": settings.MEMBERSHIP_UNCONFIRMED_DAYS,
        },
    )
    return application


@transaction.atomic
def application_confirm_email(*, application: Application) -> Application:
    if application.email_confirmed_at is None:
        application.email_confirmed_at = timezone.now()
        application.save(update_fields=["email_confirmed_at"])
    return application


# --- The Council's selection -------------------------------------------------------------


@transaction.atomic
def application_check_eligibility(
    *, actor: Any, application: Application, eligible: bool, reason: str
) -> Application:
    _require(actor, Action.MANAGE_SELECTION)
    if application.status not in (
        Application.Status.RECEIVED,
        Application.Status.ELIGIBLE,
        Application.Status.INELIGIBLE,
    ):
        raise ValidationError(_("The Council has already decided on this application."))
    if not eligible and not reason.strip():
        raise ValidationError({"reason": [_("Say why the applicant is not eligible.")]})
    application.status = Application.Status.ELIGIBLE if eligible else Application.Status.INELIGIBLE
    application.status_reason = reason.strip()
    application.eligibility_checked_by = actor
    application.save(update_fields=["status", "status_reason", "eligibility_checked_by"])
    return application


@transaction.atomic
def conflict_declare(*, member: Any, application: Application, note: str = "") -> None:
    _require(member, Action.SCORE_APPLICATIONS)
    if Score.objects.filter(application=application, member=member).exists():
        raise ValidationError(_("You have already scored this applicant."))
    ConflictDeclaration.objects.get_or_create(
        application=application, member=member, defaults={"note": note[:300]}
    )


@transaction.atomic
def application_score(*, member: Any, application: Application, values: dict[int, int]) -> None:
    """A member's scores of one applicant on every criterion, given once."""
    _require(member, Action.SCORE_APPLICATIONS)
    if application.status != Application.Status.ELIGIBLE or application.email_confirmed_at is None:
        raise ValidationError(_("Only eligible applications with a confirmed address are scored."))
    if application.call.status == Call.Status.DECIDED:
        raise ValidationError(_("The Council has already decided on this call."))
    if ConflictDeclaration.objects.filter(application=application, member=member).exists():
        raise ValidationError(_("You declared a conflict of interest with this applicant."))
    if Score.objects.filter(application=application, member=member).exists():
        raise ValidationError(_("You have already scored this applicant."))
    criteria = list(application.call.criteria.all())
    problems = {}
    for criterion in criteria:
        value = values.get(criterion.pk)
        if value is None or not 0 <= value <= Criterion.MAX_SCORE:
            problems[f"criterion_{criterion.pk}"] = [
                _("Give a score from 0 to %(max)d.") % {"max": Criterion.MAX_SCORE}
            ]
    if problems:
        raise ValidationError(problems)
    for criterion in criteria:
        Score(
            application=application, criterion=criterion, member=member, value=values[criterion.pk]
        ).save()


@dataclass(frozen=True)
class VoteSpec:
    member: Any
    choice: str
    reason: str = ""


def _vote_problems(votes: list[VoteSpec], conflicted: frozenset[int] = frozenset()) -> list[str]:
    """What is wrong with the votes of a decision: members who are not on the Council or
    named twice, unknown votes, a vote from a member with a declared conflict of interest
    (``conflicted``), too few votes for the quorum, or a majority not for the decision."""
    problems: list[str] = []
    if not votes:
        return [_("Record the vote of each member present.")]
    for spec in votes:
        if spec.member.role != Role.COUNCIL or not spec.member.is_active:
            problems.append(_("%(person)s is not a Council member.") % {"person": spec.member})
        if spec.choice not in MeetingVote.Choice.values:
            problems.append(_("Unknown vote."))
        elif spec.member.pk in conflicted and spec.choice != MeetingVote.Choice.CONFLICT:
            problems.append(
                _(
                    "%(person)s declared a conflict of interest on this matter and does not "
                    "vote on it."
                )
                % {"person": spec.member}
            )
    if len({spec.member.pk for spec in votes}) != len(votes):
        problems.append(_("A member is named twice: each member votes once."))
    if problems:
        return problems
    cast = [s for s in votes if s.choice != MeetingVote.Choice.CONFLICT]
    needed, members = council_quorum()
    if len(cast) < needed:
        problems.append(
            _(
                "No quorum: %(cast)d member(s) voted; %(needed)d of the %(members)d Council "
                "members must vote for a decision to be taken."
            )
            % {"cast": len(cast), "needed": needed, "members": members}
        )
    else:
        in_favour = sum(1 for s in cast if s.choice == MeetingVote.Choice.FOR)
        if in_favour * 2 <= len(cast):
            problems.append(
                _(
                    "Not adopted: %(for)d of %(cast)d votes are for it; a decision needs more "
                    "than half. Nothing is recorded or changed."
                )
                % {"for": in_favour, "cast": len(cast)}
            )
    return problems


def _open_agenda_item(agenda_item: AgendaItem | None, problems: dict[str, list[str]]) -> None:
    if agenda_item is None:
        problems["agenda_item"] = [
            _("Choose the agenda item of the Council meeting that took the decision.")
        ]
    elif agenda_item.meeting.published_at is not None:
        problems["agenda_item"] = [_("The meeting's decisions are published; it takes no more.")]


def _record_votes(decision: MeetingDecision, votes: list[VoteSpec]) -> None:
    for spec in votes:
        vote = MeetingVote(
            decision=decision, member=spec.member, choice=spec.choice, reason=spec.reason
        )
        vote.full_clean(exclude=["decision"])
        vote.save()


@transaction.atomic
def call_decide(
    *,
    actor: Any,
    call: Call,
    agenda_item: AgendaItem | None,
    selected: list[Application],
    reasons: str,
    votes: list[VoteSpec],
    base_url: str,
    publish: bool = False,
) -> Decision:
    """Record the decision the Council took on a call at a meeting (``agenda_item``): the
    selected applicants, the reasons and each member's vote (a member who declared a
    conflict of interest with an applicant of the call does not vote); every other eligible
    applicant is not selected; all are told by e-mail."""
    _require(actor, Action.MANAGE_SELECTION)
    call = Call.objects.select_for_update().get(pk=call.pk)
    problems: dict[str, list[str]] = {}
    _open_agenda_item(agenda_item, problems)
    if call.status == Call.Status.DECIDED:
        problems["call"] = [_("The Council has already decided on this call.")]
    if not reasons.strip():
        problems["reasons"] = [_("Write the reasons of the decision.")]
    if len(selected) > call.places:
        problems["selected"] = [
            _("The call has %(places)d places; %(count)d were selected.")
            % {"places": call.places, "count": len(selected)}
        ]
    for application in selected:
        if application.call_id != call.pk or application.status != Application.Status.ELIGIBLE:
            problems.setdefault("selected", []).append(
                _("%(reference)s is not an eligible application of this call.")
                % {"reference": application.reference}
            )
    conflicted = frozenset(
        ConflictDeclaration.objects.filter(application__call=call).values_list(
            "member_id", flat=True
        )
    )
    vote_problems = _vote_problems(votes, conflicted)
    if vote_problems:
        problems["votes"] = vote_problems
    if problems:
        raise ValidationError(problems)
    assert agenda_item is not None
    meeting = Meeting.objects.select_for_update().get(pk=agenda_item.meeting_id)
    linked = MeetingDecision(
        meeting=meeting,
        agenda_item=agenda_item,
        kind=MeetingDecision.Kind.SELECTION,
        text=_("Selection on the call “%(call)s”: %(count)d applicant(s) selected.")
        % {"call": call.title, "count": len(selected)},
        reasons=reasons.strip(),
        recorded_by=actor,
        published_at=timezone.now() if publish else None,
    )
    linked.full_clean()
    linked.save()
    _record_votes(linked, votes)
    decision = Decision(
        call=call,
        meeting_date=meeting.date,
        reasons=reasons.strip(),
        recorded_by=actor,
        meeting_decision=linked,
    )
    decision.full_clean()
    decision.save()
    chosen = {a.pk for a in selected}
    candidates = call.applications.filter(
        status=Application.Status.ELIGIBLE, email_confirmed_at__isnull=False
    )
    told = []
    for application in candidates:
        if application.pk in chosen:
            application.status = Application.Status.SELECTED
            application.status_reason = reasons
        else:
            application.status = Application.Status.NOT_SELECTED
            application.status_reason = reasons
        application.save(update_fields=["status", "status_reason"])
        told.append(application)
    call.status = Call.Status.DECIDED
    call.decided_at = timezone.now()
    call.save(update_fields=["status", "decided_at"])
    for application in told:
        with translation.override(application.language):
            _mail_applicant(
                application,
                _("The Council's decision on your application"),
                _(
                    'The Coordination Council has decided on "%(call)s". Your application '
                    "%(reference)s: %(status)s.\n\nThe reasons and what comes next are on your "
                    "private page: %(link)s"
                )
                % {
                    "call": call.title,
                    "reference": application.reference,
                    "status": application.get_status_display(),
                    "link": base_url + status_url(application),
                },
            )
    return decision


@transaction.atomic
def call_publish_outcome(*, actor: Any, call: Call) -> Call:
    _require(actor, Action.MANAGE_SELECTION)
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.status != Call.Status.DECIDED:
        raise ValidationError(_("Only a decided call's outcome can be published."))
    if call.outcome_published_at is None:
        call.outcome_published_at = timezone.now()
        call.save(update_fields=["outcome_published_at"])
    return call


# --- From applicant to participant -------------------------------------------------------


INVITATIONS = "membership"  # the purpose of a selected applicant's invitation (people.invitations)


def invitation_issue(*, actor: Any, application: Application, base_url: str) -> str:
    """A single-use link for a selected applicant, e-mailed to them; returns the link. A new
    one replaces the link sent before (people.invitations keeps one per application)."""
    _require(actor, Action.MANAGE_SELECTION)
    if application.status != Application.Status.SELECTED:
        raise ValidationError(_("Only a selected applicant is invited."))
    if invitations_of(INVITATIONS, application).filter(used_at__isnull=False).exists():
        raise ValidationError(_("This applicant has already accepted the invitation."))
    _invitation, token = people_invitation_issue(
        purpose=INVITATIONS,
        subject=application,
        days=settings.MEMBERSHIP_INVITATION_DAYS,
        created_by=actor,
        renew=True,
    )
    link = base_url + reverse("apply:invitation", kwargs={"token": token})
    with translation.override(application.language):
        _mail_applicant(
            application,
            _("Your invitation to join the NPM"),
            _(
                "You were selected as a participant of the National Preventive Mechanism. "
                "Open this link within %(days)d days to create your account: %(link)s\n\n"
                "The link works once."
            )
            % {"days": settings.MEMBERSHIP_INVITATION_DAYS, "link": link},
        )
    return link


def invitation_of(application: Application) -> Invitation | None:
    """The applicant's invitation, if one was sent (the staff's page shows its state)."""
    return invitations_of(INVITATIONS, application).first()


def _invited(invitation: Invitation) -> Application:
    return Application.objects.select_related("call", "region").get(pk=invitation.subject_id)


def _invitation_intro(invitation: Invitation) -> str:
    application = _invited(invitation)
    return _(
        "%(name)s, you were selected as an NPM participant in %(region)s. Choose a login and "
        "a password; next you will set up two-factor authentication and complete onboarding."
    ) % {"name": application.full_name, "region": application.region}


def _invitation_user_fields(invitation: Invitation) -> dict[str, Any]:
    application = _invited(invitation)
    return {
        "email": application.email,
        "full_name": application.full_name,
        "phone": application.phone,
        "preferred_language": application.language,
    }


def _regional_group(region: Region) -> RegionalGroup:
    group = RegionalGroup.objects.filter(region=region, is_active=True).order_by("pk").first()
    if group is None:
        group = RegionalGroup(region=region, name=str(region))
        group.save()
    return group


def _invitation_accepted(invitation: Invitation, user: User) -> None:
    """The account exists (people.invitations): the participant's place in the regional
    group of the call's region, and their term (onboarding first)."""
    application = _invited(invitation)
    today = timezone.localdate()
    GroupMembership(group=_regional_group(application.region), user=user, joined_on=today).save()
    number = f"NPM-{today.year}-{application.reference}"
    Participation(
        user=user,
        application=application,
        region=application.region,
        starts_on=today,
        ends_on=today + timedelta(days=settings.MEMBERSHIP_TERM_DAYS),
        mandate_number=number,
        mandate_code_hash=code_hash(mandate_code(number)),
    ).save()


INVITATION_PURPOSE = Purpose(
    name=INVITATIONS,
    role=Role.PARTICIPANT,
    heading=lambda: _("Create your account"),
    intro=_invitation_intro,
    user_fields=_invitation_user_fields,
    accepted=_invitation_accepted,
    landing=lambda user: reverse("membership:onboarding"),
)


ONBOARDING_TEST_CODE = "onboarding-test"


def onboarding_test_version() -> InstrumentVersion | None:
    """The test to take: the newest published version of the instrument
    ``onboarding-test`` (kind "test"; kuzet/instruments/library/onboarding-test.xlsx)."""
    return (
        InstrumentVersion.objects.published()
        .filter(instrument__code=ONBOARDING_TEST_CODE, instrument__kind=Instrument.Kind.TEST)
        .select_related("instrument")
        .order_by("-number")
        .first()
    )


@transaction.atomic
def onboarding_attempt(
    *, participation: Participation, version_id: int | None, answers: Any, acknowledged: bool
) -> OnboardingAttempt:
    """One try at the onboarding test, scored on the server against the version the
    participant answered (which must still be the current one). Every scored try is kept
    (audited); a pass with the rules acknowledged starts the term (mandate valid).
    Unanswered or malformed answers and a missing acknowledgement are refused whole, by
    field (question name, ``acknowledge``, ``test``), and store nothing."""
    version = onboarding_test_version()
    if version is None:
        raise ValidationError(
            {"test": [_("The test is not published yet; the secretariat must load it.")]}
        )
    participation = Participation.objects.select_for_update().get(pk=participation.pk)
    if participation.status != Participation.Status.ONBOARDING:
        raise ValidationError({"test": [_("Onboarding is already finished.")]})
    if version_id != version.pk:
        raise ValidationError(
            {
                "test": [
                    _(
                        "A new version of the test was published while you were answering; "
                        "answer it below."
                    )
                ]
            }
        )
    problems: dict[str, list[str]] = {}
    if not acknowledged:
        problems["acknowledge"] = [_("Confirm that you have read the rules.")]
    result = validate_response(version.document, answers)
    for path, messages in result.errors.items():
        problems.setdefault(path or "test", []).extend(messages)
    if problems:
        raise ValidationError(problems)
    scored = score_test(version.document, result.answers)
    attempt = OnboardingAttempt(
        participation=participation,
        version=version,
        answers=result.answers,
        correct=scored.correct,
        total=scored.total,
        pass_mark=scored.pass_mark,
        passed=scored.passed,
    )
    attempt.save()
    if scored.passed:
        now = timezone.now()
        participation.rules_acknowledged_at = now
        participation.test_passed_at = now
        participation.status = Participation.Status.ACTIVE
        participation.save(update_fields=["rules_acknowledged_at", "test_passed_at", "status"])
    return attempt


# The mandate's photo --------------------------------------------------------------------

# What a photo may be, by its first bytes (its name says nothing).
PHOTO_SIGNATURES = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}
# Decoded size refused before any pixel is decoded: a small PNG can claim 100,000²
# pixels (a "decompression bomb"); 40 megapixels is more than any phone's camera.
PHOTO_MAX_PIXELS = 40_000_000
# What is stored: a JPEG of at most this size, re-encoded, without EXIF (no GPS position,
# no camera serial number).
PHOTO_BOX = (600, 800)


def photo_jpeg(data: bytes) -> bytes:
    """The photo re-encoded as a JPEG within ``PHOTO_BOX``, or ValidationError at
    ``photo`` saying why (not JPEG or PNG by content, too many pixels, unreadable)."""
    import io
    import warnings

    from PIL import Image, ImageOps

    kind = next((k for sig, k in PHOTO_SIGNATURES.items() if data.startswith(sig)), None)
    if kind is None:
        raise ValidationError(
            {"photo": [_("Only JPEG and PNG photos are accepted; this file is neither.")]}
        )
    unreadable = ValidationError(
        {"photo": [_("The photo cannot be read: the file is damaged or not a real image.")]}
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                image = Image.open(io.BytesIO(data), formats=[kind])
                width, height = image.size
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                width, height = 10**6, 10**6  # Pillow's own limit, far over ours
            if width * height > PHOTO_MAX_PIXELS:
                raise ValidationError(
                    {
                        "photo": [
                            _("The photo has too many pixels: at most %(limit)d megapixels.")
                            % {"limit": PHOTO_MAX_PIXELS // 10**6}
                        ]
                    }
                )
            if kind == "JPEG":
                image.draft("RGB", (PHOTO_BOX[0] * 2, PHOTO_BOX[1] * 2))  # decode smaller
            image.load()
            turned: Image.Image = ImageOps.exif_transpose(image) or image
            if turned.mode in ("RGBA", "LA", "PA") or "transparency" in turned.info:
                rgba = turned.convert("RGBA")
                flat = Image.new("RGB", rgba.size, "white")
                flat.paste(rgba, mask=rgba.getchannel("A"))
            else:
                flat = turned.convert("RGB")
            flat.thumbnail(PHOTO_BOX)
            out = io.BytesIO()
            flat.save(out, "JPEG", quality=85, optimize=True)
    except ValidationError:
        raise
    except (
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ):
        raise unreadable from None
    return out.getvalue()


def _may_change_photo(actor: Any, participation: Participation) -> None:
    if actor.pk != participation.user_id and not can(actor, Action.MANAGE_PARTICIPANTS):
        raise PermissionDenied(_("Your role does not allow this."))


def _delete_file_after_commit(storage: Any, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def participation_photo_set(
    *, actor: Any, participation: Participation, data: bytes, size: int | None = None
) -> Participation:
    """Put (or replace) the mandate's photo: the participant's own, or the secretariat's.
    ``size`` is the size received when ``data`` was not read (too large to read)."""
    _may_change_photo(actor, participation)
    limit = settings.MEMBERSHIP_PHOTO_MAX_BYTES
    received = size if size is not None else len(data)
    if received > limit:
        raise ValidationError(
            {
                "photo": [
                    _("The photo is %(size)d KB; the limit is %(limit)d KB.")
                    % {"size": received // 1024, "limit": limit // 1024}
                ]
            }
        )
    if not data:
        raise ValidationError({"photo": [_("The file is empty.")]})
    jpeg = photo_jpeg(data)
    participation = Participation.objects.select_for_update().get(pk=participation.pk)
    old = participation.photo.name
    participation.photo.save(f"{get_random_string(32)}.jpg", ContentFile(jpeg), save=False)
    participation.save(update_fields=["photo"])
    _delete_file_after_commit(participation.photo.storage, old)
    return participation


@transaction.atomic
def participation_photo_remove(*, actor: Any, participation: Participation) -> Participation:
    _may_change_photo(actor, participation)
    participation = Participation.objects.select_for_update().get(pk=participation.pk)
    old = participation.photo.name
    if old:
        storage = participation.photo.storage
        participation.photo = ""
        participation.save(update_fields=["photo"])
        _delete_file_after_commit(storage, old)
    return participation


ENDING_STATUSES = (
    Participation.Status.SUSPENDED,
    Participation.Status.EXCLUDED,
    Participation.Status.ENDED,
)


@transaction.atomic
def participation_set_status(
    *, actor: Any, participation: Participation, status: str, reason: str
) -> Participation:
    """Suspend, exclude, end or reinstate a participant (on the Council's decision). Once
    not active they cannot sign in, be put on a team, or use a tablet's token."""
    from kuzet.field.models import DeviceToken

    _require(actor, Action.MANAGE_PARTICIPANTS)
    if status not in (*ENDING_STATUSES, Participation.Status.ACTIVE):
        raise ValidationError({"status": [_("Unknown status.")]})
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason (the Council's decision).")]})
    participation = Participation.objects.select_for_update().get(pk=participation.pk)
    if participation.status in (Participation.Status.EXCLUDED, Participation.Status.ENDED):
        raise ValidationError({"status": [_("An excluded or ended term cannot be changed.")]})
    if status == Participation.Status.ACTIVE and participation.test_passed_at is None:
        raise ValidationError({"status": [_("The participant has not finished onboarding.")]})
    participation.status = status
    participation.status_reason = reason.strip()
    participation.save(update_fields=["status", "status_reason"])
    user = participation.user
    user.is_active = status == Participation.Status.ACTIVE
    user.save(update_fields=["is_active"])
    if not user.is_active:
        now = timezone.now()
        for device in DeviceToken.objects.filter(user=user, revoked_at__isnull=True):
            device.revoked_at = now
            device.revoked_by = actor
            device.save(update_fields=["revoked_at", "revoked_by"])
        audit_append(
            action=AuditAction.UPDATE,
            object_type="membership.participation",
            object_id=str(participation.pk),
            fields=["device_tokens_revoked"],
        )
    return participation


# Council meetings -----------------------------------------------------------------------


@transaction.atomic
def meeting_create(*, actor: Any, date: date, title: str) -> Meeting:
    _require(actor, Action.MANAGE_MEETINGS)
    meeting = Meeting(date=date, title=title.strip(), created_by=actor)
    meeting.full_clean()
    meeting.save()
    return meeting


def _local_link(link: str) -> bool:
    return link.startswith("/") and not link.startswith("//") and "\\" not in link


@transaction.atomic
def agenda_item_add(
    *, actor: Any, meeting: Meeting, title: str, document_kind: str = "", document_link: str = ""
) -> AgendaItem:
    """Add an item to a meeting's agenda; its document is a page of this site."""
    _require(actor, Action.MANAGE_MEETINGS)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    problems: dict[str, list[str]] = {}
    if meeting.published_at is not None:
        problems["title"] = [_("The meeting's decisions are published; its agenda is closed.")]
    link = document_link.strip()
    if link and not _local_link(link):
        problems["document_link"] = [
            _("Give a page of this site, starting with “/” (for example /reports/annual/).")
        ]
    if link and not document_kind:
        problems["document_kind"] = [_("Say what the linked document is.")]
    if problems:
        raise ValidationError(problems)
    item = AgendaItem(
        meeting=meeting,
        position=meeting.agenda.count() + 1,
        title=title.strip(),
        document_kind=document_kind,
        document_link=link,
    )
    item.full_clean()
    item.save()
    return item


@dataclass(frozen=True)
class RuleSpec:
    """A team composition rule a decision sets (``value`` ≥ 1) or lifts (``value`` 0)."""

    kind: str
    value: int
    region: Region | None = None


def _rule_problems(rule: RuleSpec) -> dict[str, list[str]]:
    if rule.kind not in TeamRule.Kind.values:
        return {"rule_kind": [_("Unknown rule.")]}
    if not 0 <= rule.value <= 20:
        return {"rule_value": [_("Give a number from 0 (lift the rule) to 20.")]}
    if rule.kind == TeamRule.Kind.MIN_SIZE and rule.value == 1:
        return {"rule_value": [_("A visit team has at least two people in any case.")]}
    in_force = TeamRule.objects.filter(kind=rule.kind, region=rule.region, ended_by__isnull=True)
    if rule.value == 0 and not in_force.exists():
        return {"rule_value": [_("There is no such rule in force to lift.")]}
    return {}


@transaction.atomic
def meeting_decision_record(
    *,
    actor: Any,
    meeting: Meeting,
    text: str,
    reasons: str,
    votes: list[VoteSpec],
    agenda_item: AgendaItem | None = None,
    group: RegionalGroup | None = None,
    change: str = "",
    person: User | None = None,
    participation: Participation | None = None,
    new_status: str = "",
    rule: RuleSpec | None = None,
    publish: bool = False,
) -> MeetingDecision:
    """Record a decision of the meeting, taken on one of its agenda items, with each
    present member's vote, and apply it in the same transaction: a regional group's change
    (the group membership created or removed), a participant's term (through
    ``participation_set_status``), or a team composition rule (the previous rule on the same
    matter ends). A decision does one of these at most; refused whole otherwise."""
    _require(actor, Action.MANAGE_MEETINGS)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    problems: dict[str, list[str]] = {}
    if meeting.published_at is not None:
        problems["text"] = [_("The meeting's decisions are published; it takes no more.")]
    if not text.strip():
        problems["text"] = [_("Write the decision.")]
    if not reasons.strip():
        problems["reasons"] = [_("Write the reasons of the decision.")]
    if agenda_item is None:
        problems["agenda_item"] = [_("Choose the agenda item on which the decision was taken.")]
    elif agenda_item.meeting_id != meeting.pk:
        problems["agenda_item"] = [_("This item is not on this meeting's agenda.")]
    kinds = [
        kind
        for kind, asked in (
            (MeetingDecision.Kind.GROUP, bool(change)),
            (MeetingDecision.Kind.PARTICIPANT, participation is not None or bool(new_status)),
            (MeetingDecision.Kind.TEAM_RULE, rule is not None),
        )
        if asked
    ]
    if len(kinds) > 1:
        problems["__all__"] = [
            _(
                "One decision changes one thing: a group, a participant's term or a team "
                "rule. Record separate decisions."
            )
        ]
    kind = kinds[0] if len(kinds) == 1 else MeetingDecision.Kind.GENERAL
    if change not in MeetingDecision.Change.values:
        problems["change"] = [_("Unknown change.")]
    elif change:
        if group is None:
            problems["group"] = [_("Choose the regional group the decision changes.")]
        if person is None:
            problems["person"] = [_("Choose the person the decision concerns.")]
        if group is not None and person is not None:
            member = GroupMembership.objects.filter(group=group, user=person).exists()
            if change == MeetingDecision.Change.ADD:
                if member:
                    problems["person"] = [
                        _("%(person)s is already in %(group)s.")
                        % {"person": person, "group": group}
                    ]
                elif person.role not in REGIONAL_ROLES or not person.is_active:
                    problems["person"] = [
                        _("%(person)s is not an active participant, leader or coordinator.")
                        % {"person": person}
                    ]
            elif not member:
                problems["person"] = [
                    _("%(person)s is not in %(group)s.") % {"person": person, "group": group}
                ]
    elif person is not None:
        problems["change"] = [_("Say what the decision changes for this person.")]
    if kind == MeetingDecision.Kind.PARTICIPANT:
        if participation is None:
            problems["participation"] = [_("Choose the participant the decision concerns.")]
        if new_status not in (*ENDING_STATUSES, Participation.Status.ACTIVE):
            problems["new_status"] = [_("Choose what the decision does to the term.")]
    if rule is not None:
        problems.update(_rule_problems(rule))
    conflicted = frozenset(
        spec.member.pk for spec in votes if spec.choice == MeetingVote.Choice.CONFLICT
    )
    vote_problems = _vote_problems(votes, conflicted)
    if vote_problems:
        problems.setdefault("votes", []).extend(vote_problems)
    if problems:
        raise ValidationError(problems)
    decision = MeetingDecision(
        meeting=meeting,
        agenda_item=agenda_item,
        kind=kind,
        text=text.strip(),
        reasons=reasons.strip(),
        group=group if change else None,
        change=change,
        person=person if change else None,
        participation=participation if kind == MeetingDecision.Kind.PARTICIPANT else None,
        new_status=new_status if kind == MeetingDecision.Kind.PARTICIPANT else "",
        recorded_by=actor,
        published_at=timezone.now() if publish else None,
    )
    decision.full_clean()
    decision.save()
    _record_votes(decision, votes)
    if change == MeetingDecision.Change.ADD and group is not None and person is not None:
        GroupMembership(group=group, user=person, joined_on=meeting.date).save()
    elif change == MeetingDecision.Change.REMOVE and group is not None and person is not None:
        for membership in GroupMembership.objects.filter(group=group, user=person):
            membership.delete()
    elif kind == MeetingDecision.Kind.PARTICIPANT and participation is not None:
        try:
            participation_set_status(
                actor=actor,
                participation=participation,
                status=new_status,
                reason=_("Decision of the Coordination Council of %(date)s: %(text)s")
                % {"date": meeting.date.isoformat(), "text": text.strip()},
            )
        except ValidationError as exc:  # the whole decision is rolled back with it
            raise ValidationError(
                {"new_status" if k == "status" else k: v for k, v in exc.message_dict.items()}
            ) from exc
    elif rule is not None:
        for old in TeamRule.objects.select_for_update().filter(
            kind=rule.kind, region=rule.region, ended_by__isnull=True
        ):
            old.ended_by = decision
            old.save(update_fields=["ended_by"])
        if rule.value:
            new_rule = TeamRule(
                kind=rule.kind, value=rule.value, region=rule.region, decision=decision
            )
            new_rule.full_clean()
            new_rule.save()
    return decision


@transaction.atomic
def decision_publish(*, actor: Any, decision: MeetingDecision) -> MeetingDecision:
    """Publish one decision (the Council decided to): on the public page from now on, with
    the meeting's date, its public text and the vote counts."""
    _require(actor, Action.MANAGE_MEETINGS)
    decision = MeetingDecision.objects.select_for_update().get(pk=decision.pk)
    if decision.published_at is not None:
        raise ValidationError(_("This decision is already published."))
    decision.published_at = timezone.now()
    decision.save(update_fields=["published_at"])
    return decision


@transaction.atomic
def meeting_publish(*, actor: Any, meeting: Meeting) -> Meeting:
    """Publish every decision of the meeting (the Council decided to) and close it: it
    takes no more agenda items or decisions."""
    _require(actor, Action.MANAGE_MEETINGS)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.published_at is not None:
        raise ValidationError(_("The meeting's decisions are already published."))
    if not meeting.decisions.exists():
        raise ValidationError(_("The meeting has no decision to publish."))
    now = timezone.now()
    meeting.published_at = now
    meeting.save(update_fields=["published_at"])
    for decision in meeting.decisions.filter(published_at__isnull=True):
        decision.published_at = now
        decision.save(update_fields=["published_at"])
    return meeting


# Meeting documents ------------------------------------------------------------------------

DOCUMENT_EXTENSIONS = {
    ".pdf": "application/pdf",
    ".docx": MeetingDocument.DOCX,
    ".xlsx": MeetingDocument.XLSX,
}
# The part an Office Open XML package of each kind must contain (ECMA-376).
OOXML_MAIN_PART = {
    MeetingDocument.DOCX: "word/document.xml",
    MeetingDocument.XLSX: "xl/workbook.xml",
}


def sniff_meeting_document(upload: Upload) -> str:
    """The content type of a meeting document (PDF, DOCX or XLSX), or ValidationError
    naming the file and why: too large, empty, another type, or content that is not what
    the extension says (a DOCX or XLSX must be a ZIP package with its main part)."""
    limit = settings.MEMBERSHIP_MEETING_DOCUMENT_MAX_BYTES
    size = upload.size if upload.size is not None else len(upload.data)
    if size > limit:
        raise ValidationError(
            _("%(name)s is %(size)d KB; the limit is %(limit)d KB.")
            % {"name": upload.name, "size": size // 1024, "limit": limit // 1024}
        )
    if not upload.data:
        raise ValidationError(_("%(name)s is empty.") % {"name": upload.name})
    extension = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    declared = DOCUMENT_EXTENSIONS.get(extension)
    if declared is None:
        raise ValidationError(
            _("%(name)s: only PDF, DOCX and XLSX files are accepted.") % {"name": upload.name}
        )
    disguised = ValidationError(
        _("%(name)s is not a real %(kind)s file (its content says otherwise).")
        % {"name": upload.name, "kind": extension[1:].upper()}
    )
    if declared == "application/pdf":
        if not upload.data.startswith(b"%PDF-"):
            raise disguised
        return declared
    if not upload.data.startswith(b"PK\x03\x04"):
        raise disguised
    try:
        with zipfile.ZipFile(io.BytesIO(upload.data)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise disguised from exc
    if "[Content_Types].xml" not in names or OOXML_MAIN_PART[declared] not in names:
        raise disguised
    return declared


def _document_place(
    meeting: Meeting, agenda_item: AgendaItem | None, problems: dict[str, list[str]]
) -> None:
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        problems["agenda_item"] = [_("This item is not on this meeting's agenda.")]


@transaction.atomic
def meeting_document_upload(
    *,
    actor: Any,
    meeting: Meeting,
    upload: Upload,
    title: str = "",
    agenda_item: AgendaItem | None = None,
) -> MeetingDocument:
    """Store a document of the meeting through the storage backend (audited)."""
    _require(actor, Action.ADD_MEETING_DOCUMENTS)
    problems: dict[str, list[str]] = {}
    _document_place(meeting, agenda_item, problems)
    try:
        content_type = sniff_meeting_document(upload)
    except ValidationError as exc:
        problems["file"] = list(exc.messages)
        content_type = ""
    if problems:
        raise ValidationError(problems)
    document = MeetingDocument(
        meeting=meeting,
        agenda_item=agenda_item,
        title=(title.strip() or upload.name)[:200],
        content_type=content_type,
        size=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        added_by=actor,
    )
    document.file.save("upload", ContentFile(upload.data), save=False)
    document.full_clean()
    document.save()
    return document


@transaction.atomic
def meeting_document_link(
    *, actor: Any, meeting: Meeting, key: str, agenda_item: AgendaItem | None = None
) -> MeetingDocument:
    """Link one of Kuzet's own documents (``documents.system_documents``) to the meeting."""
    _require(actor, Action.ADD_MEETING_DOCUMENTS)
    problems: dict[str, list[str]] = {}
    _document_place(meeting, agenda_item, problems)
    found = resolve_system_document(key)
    if found is None:
        problems["key"] = [_("Choose one of Kuzet's documents.")]
    if problems:
        raise ValidationError(problems)
    assert found is not None
    document = MeetingDocument(
        meeting=meeting, agenda_item=agenda_item, title=found.title[:200], system_key=key,
        added_by=actor,
    )  # fmt: skip
    document.full_clean()
    document.save()
    return document
