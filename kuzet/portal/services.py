"""Writes of the addressee portal: inviting officials, their answers, the NPM's assessment,
and telling addressees what was sent to them and what is due."""

import hashlib
import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kuzet.core.access import Refused, audit_refusal, check_region
from kuzet.core.policy import Action, Role, can
from kuzet.notifications.services import notify
from kuzet.people.invitations import Purpose, invitation_issue, invitations_of
from kuzet.people.models import Invitation, User
from kuzet.portal.models import Answer, Assessment, EvidenceFile, Official, PlanStep
from kuzet.recommendations.models import OPEN_STATUSES, Addressee, Recommendation
from kuzet.recommendations.services import recommendation_assess, recommendation_take_position
from kuzet.visits.models import Visit

R = Recommendation.Status
P = Answer.Position
G = Assessment.Grade


class NotYourAddressee(Refused):
    reason = "addressee"


# ---------------------------------------------------------------- officials and invitations


def official_of(user: Any) -> Official | None:
    """The official record of ``user`` when they are an addressee's official."""
    if user is None or not user.is_authenticated or user.role != Role.ADDRESSEE:
        return None
    return Official.objects.select_related("addressee").filter(user_id=user.pk).first()


INVITATIONS = "portal"  # the purpose of an official's invitation (people.invitations)


def official_invite(
    *, actor: Any, addressee: Addressee, full_name: str, email: str = "", position: str = ""
) -> tuple[Invitation, str]:
    """Invite an official of ``addressee`` (the secretariat): returns the invitation and the
    token of its link, which is shown once and never stored."""
    if not can(actor, Action.INVITE_OFFICIALS):
        audit_refusal(user=actor, object_type="people.invitation", object_id="new")
        raise Refused(Action.INVITE_OFFICIALS, _("Only the secretariat invites officials."))
    if not full_name.strip():
        raise ValidationError({"full_name": [models.Field.default_error_messages["blank"]]})
    return invitation_issue(
        purpose=INVITATIONS,
        subject=addressee,
        days=settings.PORTAL_INVITATION_DAYS,
        created_by=actor,
        full_name=full_name,
        email=email,
        details={"position": position.strip()},
    )


def invitations_list() -> Any:
    """The officials' invitations, newest first, for the secretariat's page."""
    return invitations_of(INVITATIONS).select_related("user").prefetch_related("subject")


def _invitation_intro(invitation: Invitation) -> str:
    addressee = Addressee.objects.get(pk=invitation.subject_id)
    return _(
        "%(name)s, you are invited to answer the recommendations of the National Preventive "
        "Mechanism on behalf of %(addressee)s. Choose a login and a password; this link works "
        "once."
    ) % {"name": invitation.full_name, "addressee": addressee.name}


def _invitation_accepted(invitation: Invitation, user: User) -> None:
    """The account exists (people.invitations): it speaks for the invitation's addressee."""
    official = Official(
        user=user,
        addressee_id=invitation.subject_id,
        position=invitation.details.get("position", ""),
    )
    official.full_clean()
    official.save()


INVITATION_PURPOSE = Purpose(
    name=INVITATIONS,
    role=Role.ADDRESSEE,
    heading=lambda: _("Invitation to the addressee portal"),
    intro=_invitation_intro,
    user_fields=lambda invitation: {"full_name": invitation.full_name, "email": invitation.email},
    accepted=_invitation_accepted,
    landing=lambda user: reverse("portal:index"),
)


# ---------------------------------------------------------------- what an official sees


def recommendations_for_official(user: Any) -> Any:
    """The issued recommendations addressed to the official's organisation (none for anyone
    else): the one rule of what the portal shows."""
    official = official_of(user)
    if official is None:
        return Recommendation.objects.none()
    return (
        Recommendation.objects.issued()
        .filter(addressee_id=official.addressee_id)
        .select_related("addressee", "visit__institution", "visit__region")
    )


def recommendation_for_official(user: Any, pk: int) -> Recommendation | None:
    """One recommendation of the official's addressee, or None (the view answers 404 and
    the refusal of another addressee's recommendation is audited)."""
    found = recommendations_for_official(user).filter(pk=pk).first()
    if found is None and Recommendation.objects.filter(pk=pk).exists():
        audit_refusal(user=user, object_type="recommendations.recommendation", object_id=pk)
    return found


# ---------------------------------------------------------------- evidence files

OFFICE_TYPES = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def sniff_document(upload: UploadedFile) -> str:
    """The content type of an evidence file as its bytes say (PDF, JPEG, PNG, WebP, an
    Office Open XML or OpenDocument file, an old Office file); ValidationError otherwise."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/x-ole-storage"  # .doc, .xls, .ppt
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(upload.read())) as archive:
                names = archive.namelist()
                if "mimetype" in names:
                    mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                    if mimetype.startswith("application/vnd.oasis.opendocument."):
                        return mimetype
                if "[Content_Types].xml" in names:
                    for prefix, content_type in OFFICE_TYPES.items():
                        if any(name.startswith(prefix) for name in names):
                            return content_type
        except (zipfile.BadZipFile, ValueError, OSError):
            pass
        finally:
            upload.seek(0)
        raise ValidationError(
            {
                "evidence": [
                    _("“%(name)s” is a ZIP archive, not a document.") % {"name": upload.name}
                ]
            }
        )
    raise ValidationError(
        {
            "files": [
                _(
                    "“%(name)s” is not a PDF, an image (JPEG, PNG, WebP) or an office "
                    "document: its first bytes are %(hex)s."
                )
                % {"name": upload.name, "hex": head[:8].hex(" ") or _("none (empty file)")}
            ]
        }
    )


def _check_file(upload: UploadedFile) -> str:
    limit = settings.PORTAL_EVIDENCE_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {
                "evidence": [
                    _("“%(name)s” is larger than %(max)s.")
                    % {"name": upload.name, "max": filesizeformat(limit)}
                ]
            }
        )
    return sniff_document(upload)


def _sha256(upload: UploadedFile) -> str:
    hasher = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        hasher.update(chunk)
    upload.seek(0)
    return hasher.hexdigest()


# ---------------------------------------------------------------- answers and assessments


def _first_position(recommendation: Recommendation) -> bool:
    return not recommendation.answers.exclude(position=P.PROGRESS).exists()


def answer_record(
    *,
    actor: Any,
    recommendation: Recommendation,
    position: str,
    text: str,
    plan: Sequence[tuple[str, date]] = (),
    files: Iterable[UploadedFile] = (),
) -> Answer:
    """An official's answer to a recommendation of their addressee: its position (accepted,
    partly, not accepted, with reasons) or a progress report; an action plan with dates and
    evidence files. The first position moves an issued recommendation to accepted or
    rejected, in its status history under the official's name. A closed recommendation
    takes no answer. Nothing is stored if anything is refused."""
    files = list(files)
    types = [_check_file(upload) for upload in files]  # before any write
    stored: list[EvidenceFile] = []
    try:
        with transaction.atomic():
            answer = _answer_save(
                actor=actor,
                recommendation=recommendation,
                position=position,
                text=text,
                plan=plan,
            )
            for upload, content_type in zip(files, types, strict=True):
                item = EvidenceFile(
                    answer=answer,
                    original_name=(upload.name or "evidence")[-255:],
                    content_type=content_type,
                    size=upload.size or 0,
                    sha256=_sha256(upload),
                )
                item.full_clean(exclude=["file"])
                item.file.save(upload.name or "evidence", upload, save=False)
                stored.append(item)
                item.save()
    except BaseException:
        for item in stored:
            item.file.storage.delete(item.file.name)
        raise
    _tell_followers(answer)
    return answer


def _answer_save(
    *,
    actor: Any,
    recommendation: Recommendation,
    position: str,
    text: str,
    plan: Sequence[tuple[str, date]],
) -> Answer:
    official = official_of(actor)
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if official is None or official.addressee_id != recommendation.addressee_id:
        refusal = NotYourAddressee(Action.ANSWER_RECOMMENDATION)
        audit_refusal(
            user=actor,
            object_type="recommendations.recommendation",
            object_id=recommendation.pk,
            refusal=refusal,
        )
        raise refusal
    if recommendation.status == R.DRAFT:
        raise ValidationError(_("This recommendation has not been sent yet."))
    if recommendation.status not in OPEN_STATUSES:
        raise ValidationError(
            _(
                "This recommendation is closed (“%(status)s”): it takes no more answers. "
                "Write to the secretariat if something changed."
            )
            % {"status": R(recommendation.status).label}
        )
    first = _first_position(recommendation)
    if position not in P.values:
        raise ValidationError({"position": [_("Choose an answer.")]})
    if first and position == P.PROGRESS:
        raise ValidationError(
            {"position": [_("First say whether the recommendation is accepted.")]}
        )
    if not first and position != P.PROGRESS:
        raise ValidationError(
            {"position": [_("The position was given; report progress on it instead.")]}
        )
    if position in (P.PARTLY, P.NOT_ACCEPTED) and not text.strip():
        raise ValidationError({"text": [_("Give the reasons.")]})
    answer = Answer(
        recommendation=recommendation, position=position, text=text.strip(), author=actor
    )
    answer.full_clean()
    answer.save()
    for action, due in plan:
        step = PlanStep(answer=answer, action=action.strip(), due=due)
        step.full_clean()
        step.save()
    status = _status_after(recommendation.status, position)
    if status is not None:
        recommendation_take_position(
            actor=actor,
            recommendation=recommendation,
            status=status,
            evidence=_("Answer of %(addressee)s: %(position)s")
            % {"addressee": recommendation.addressee.name, "position": P(position).label},
        )
    return answer


def _status_after(status: str, position: str) -> str | None:
    if status == R.ISSUED and position in (P.ACCEPTED, P.PARTLY):
        return R.ACCEPTED
    if status == R.ISSUED and position == P.NOT_ACCEPTED:
        return R.REJECTED
    if status == R.ACCEPTED and position == P.PROGRESS:
        return R.IN_PROGRESS
    return None


GRADE_STATUS = {
    G.IMPLEMENTED: R.IMPLEMENTED,
    G.PARTLY: R.PARTLY,
    G.NOT_IMPLEMENTED: R.NOT_IMPLEMENTED,
    G.NO_LONGER_RELEVANT: R.NO_LONGER_RELEVANT,
}


@transaction.atomic
def answer_assess(
    *, actor: Any, answer: Answer, grade: str, comment: str, rating: str = ""
) -> Assessment:
    """The NPM's assessment of an answer (those who follow recommendations up in its
    region): a grade that sets the recommendation's status through ``recommendation_assess``,
    or a request for more, which leaves it as it is. The official is told."""
    recommendation = answer.recommendation
    check_region(
        actor,
        Action.FOLLOW_UP_RECOMMENDATION,
        recommendation.visit.region_id,
        _("You may not assess this recommendation."),
    )
    if grade not in G.values:
        raise ValidationError({"grade": [_("Choose an assessment.")]})
    if not comment.strip():
        raise ValidationError({"comment": [_("Say what the assessment rests on.")]})
    assessment = Assessment(
        answer=answer, grade=grade, rating=rating, comment=comment.strip(), assessed_by=actor
    )
    assessment.full_clean()
    assessment.save()
    status = GRADE_STATUS.get(G(grade))
    if status is not None and status != recommendation.status:
        recommendation_assess(
            actor=actor,
            recommendation=recommendation,
            status=status,
            evidence=_("Assessment of the answer of %(day)s: %(comment)s")
            % {
                "day": date_format(timezone.localtime(answer.created_at), "SHORT_DATE_FORMAT"),
                "comment": comment.strip(),
            },
        )
    _tell_officials(
        addressee_id=recommendation.addressee_id,
        kind="portal_assessed",
        words=lambda: (
            _("Your answer was assessed: %(grade)s") % {"grade": G(grade).label},
            comment.strip(),
        ),
        url=reverse("portal:recommendation", args=[recommendation.pk]),
        actor=actor,
    )
    return assessment


# ---------------------------------------------------------------- telling people


def officials_of(addressee_id: int) -> list[User]:
    return list(
        User.objects.filter(
            official__addressee_id=addressee_id, is_active=True, role=Role.ADDRESSEE
        )
    )


def _tell_officials(*, addressee_id: int, kind: str, words: Any, url: str, **extra: Any) -> int:
    return notify(recipients=officials_of(addressee_id), kind=kind, words=words, url=url, **extra)


def _tell_followers(answer: Answer) -> None:
    """Those who follow recommendations up in the visit's region learn of a new answer."""
    from kuzet.recommendations.reminders import followers_of_region

    recommendation = answer.recommendation
    notify(
        recipients=followers_of_region(recommendation.visit.region_id),
        kind="portal_answered",
        words=lambda: (
            _("%(addressee)s answered a recommendation: %(position)s")
            % {
                "addressee": recommendation.addressee.name,
                "position": P(answer.position).label,
            },
            answer.text[:500],
        ),
        url=reverse("recommendations:recommendation_detail", args=[recommendation.pk]),
    )


def addressees_tell_sent(*, visit: Visit, actor: Any) -> int:
    """Tell each addressee's officials (in-app and by e-mail) what a sent visit report asks
    of them and by when (``visit_send`` calls it); returns how many were told."""
    recommendations = list(
        visit.recommendations.filter(status=R.ISSUED).select_related("addressee")
    )
    by_addressee: dict[int, list[Recommendation]] = {}
    for recommendation in recommendations:
        by_addressee.setdefault(recommendation.addressee_id, []).append(recommendation)
    told = 0
    for addressee_id, items in by_addressee.items():

        def words(items: list[Recommendation] = items) -> tuple[str, str]:
            subject = ngettext(
                "%(count)d recommendation of the NPM awaits your answer",
                "%(count)d recommendations of the NPM await your answer",
                len(items),
            ) % {"count": len(items)}
            lines = [
                _("Visit to %(place)s on %(day)s.")
                % {
                    "place": visit.institution.name,
                    "day": date_format(visit.planned_date, "SHORT_DATE_FORMAT"),
                }
            ]
            for item in items:
                deadline = (
                    date_format(item.deadline, "SHORT_DATE_FORMAT")
                    if item.deadline
                    else _("no deadline")
                )
                lines.append(
                    _("— %(text)s (answer by %(deadline)s)")
                    % {"text": item.text[:200], "deadline": deadline}
                )
            return subject, "\n".join(lines)

        told += _tell_officials(
            addressee_id=addressee_id,
            kind="portal_sent",
            words=words,
            url=reverse("portal:index"),
            key=f"portal-sent:{visit.pk}:{addressee_id}",
        )
    return told


def addressee_reminders(kind: str, recommendations: list[Recommendation]) -> None:
    """Deadline reminders for the addressees' officials (called by the daily reminders run):
    each official hears of their own addressee's recommendations only."""
    by_addressee: dict[int, list[Recommendation]] = {}
    for recommendation in recommendations:
        by_addressee.setdefault(recommendation.addressee_id, []).append(recommendation)
    for addressee_id, items in by_addressee.items():

        def words(items: list[Recommendation] = items) -> tuple[str, str]:
            count = len(items)
            if kind == "overdue":
                subject = ngettext(
                    "The deadline of %(count)d recommendation has passed",
                    "The deadline of %(count)d recommendations has passed",
                    count,
                ) % {"count": count}
            else:
                subject = ngettext(
                    "%(count)d recommendation is due within %(days)d days",
                    "%(count)d recommendations are due within %(days)d days",
                    count,
                ) % {"count": count, "days": settings.RECOMMENDATION_DUE_DAYS}
            lines = [
                _("— %(text)s (answer by %(deadline)s)")
                % {
                    "text": item.text[:200],
                    "deadline": date_format(item.deadline, "SHORT_DATE_FORMAT")
                    if item.deadline
                    else _("no deadline"),
                }
                for item in items[:20]
            ]
            return subject, "\n".join(lines)

        url = reverse("portal:index") + ("?overdue=on" if kind == "overdue" else "")
        _tell_officials(addressee_id=addressee_id, kind=f"portal_{kind}", words=words, url=url)
