"""Receiving submissions from ODK clients: they become the same records as the field app's.

A submission names its form (``<code>.visit-<pk>``, version = the instrument version's
number) and its record (``meta/instanceID``). Its files may come over several POSTs, each
repeating the XML: they wait in storage (``OdkSubmission.staged``) until every expected file
is there; then, in one transaction in the user's name, an encrypted submission is opened
and its signature checked, the answers are read from the XML and stored through the field
app's record service (``field.records.apply_record``: the web form's validation and audit),
a ``field.Submission`` row makes the instanceID the record's identifier, and each file
becomes an item of evidence with its chain of custody (``visits.services.media``).

Idempotent by instanceID: the same XML again is accepted without a second record; other
content under a taken instanceID is refused and kept for review (``HeldSubmission``).
"""

import contextlib
import hashlib
import uuid as uuid_module
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError, XMLParser

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuzet.core.audit import acting_as
from kuzet.field.models import DeviceToken, Submission
from kuzet.field.records import MissingReference, RecordRejected, ResponseData, apply_record
from kuzet.field.services import VisitClosed, _visit_for_recording
from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.schema import MEDIA_TYPES
from kuzet.openrosa import crypto
from kuzet.openrosa.models import HeldSubmission, OdkSubmission
from kuzet.openrosa.xforms import parse_form_id
from kuzet.visits.models import Visit
from kuzet.visits.services.media import media_add

__all__ = ["VisitClosed", "odk_submission_receive"]


class SubmissionRefused(Exception):
    """A submission refused; ``status`` is the HTTP status the OpenRosa answer carries and
    ``message`` says why, in the user's language (never what the record held)."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MalformedSubmission(SubmissionRefused):
    pass


class FormNotFound(SubmissionRefused):
    status = 404


class InstanceConflict(SubmissionRefused):
    status = 409


class NotDecrypted(SubmissionRefused):
    pass


class RecordInvalid(SubmissionRefused):
    pass


class AttachmentTooLarge(SubmissionRefused):
    status = 413


@dataclass(frozen=True)
class Outcome:
    submission: OdkSubmission
    message: str
    new: bool


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> Iterator[Element]:
    return (c for c in element if _local(c.tag) == name)


def _child(element: Element | None, name: str) -> Element | None:
    return None if element is None else next(_children(element, name), None)


def _parse(xml: bytes) -> Element:
    # No DTD, so no entity can expand (nor point outside); expat reads no external file.
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise MalformedSubmission(_("The submission may not carry a DTD."))
    try:
        parser = XMLParser()  # noqa: S314  (no DTD: checked above)
        parser.feed(xml)
        root = parser.close()
    except (ParseError, ValueError) as error:
        raise MalformedSubmission(
            _("The submission is not well-formed XML (%(error)s).") % {"error": error}
        ) from None
    return root


def _instance_id(root: Element) -> str:
    node = _child(_child(root, "meta"), "instanceID")
    value = (node.text or "").strip() if node is not None else ""
    if not value or len(value) > 200:
        raise MalformedSubmission(_("The submission has no meta/instanceID."))
    return value


def _record_uuid(instance_id: str) -> uuid_module.UUID:
    try:
        return uuid_module.UUID(instance_id.removeprefix("uuid:"))
    except ValueError:
        return uuid_module.uuid5(uuid_module.NAMESPACE_URL, "odk:" + instance_id)


@dataclass(frozen=True)
class _Form:
    form_id: str
    version: InstrumentVersion
    visit_pk: int
    instance_id: str
    encrypted: bool
    expected: list[str]
    media_names: list[str]  # encrypted: the .enc media files in the order encrypted
    xml_name: str  # encrypted: the encrypted XML file


def _form_of(root: Element) -> _Form:
    form_id = (root.get("id") or "").strip()
    parsed = parse_form_id(form_id)
    if parsed is None:
        raise FormNotFound(
            _("No form %(id)s on this server; download the forms again.") % {"id": repr(form_id)}
        )
    code, visit_pk = parsed
    number = (root.get("version") or "").strip()
    version = (
        InstrumentVersion.objects.published()
        .select_related("instrument")
        .filter(instrument__code=code, number=int(number) if number.isdigit() else -1)
        .first()
    )
    if version is None:
        raise FormNotFound(
            _("Version %(version)s of form %(id)s no longer exists; download the forms again.")
            % {"version": repr(number), "id": repr(form_id)}
        )
    instance_id = _instance_id(root)
    encrypted = (root.get("encrypted") or "").strip().lower() in ("yes", "true")
    if encrypted:
        xml_node = _child(root, "encryptedXmlFile")
        xml_name = (xml_node.text or "").strip() if xml_node is not None else ""
        media = _child(root, "media")
        media_names = [
            (f.text or "").strip() for f in (_children(media, "file") if media is not None else [])
        ]
        if not xml_name or not all(media_names) or _child(root, "base64EncryptedKey") is None:
            raise MalformedSubmission(_("The encrypted submission's manifest is incomplete."))
        expected = [*media_names, xml_name]
    else:
        xml_name, media_names = "", []
        expected = sorted(set(_media_answers(version.document, root).values()))
    return _Form(
        form_id, version, visit_pk, instance_id, encrypted, expected, media_names, xml_name
    )


# --- Reading answers -----------------------------------------------------------------


def _value(question: dict[str, Any], node: Element | None) -> Any:
    text = (node.text or "").strip() if node is not None else ""
    qtype = question["type"]
    if not text or qtype == "note":
        return None
    try:
        if qtype == "integer":
            return int(text)
        if qtype == "decimal":
            return float(text)
        if qtype == "geopoint":
            return [float(p) for p in text.split()]
    except ValueError:
        return text  # validation says what is wrong with it
    if qtype == "select_multiple":
        return text.split()
    if qtype == "time":
        return text[:5]  # "10:15:00.000+05:00" → "10:15", as the web form keeps it
    return text


def answers_of(document: dict[str, Any], root: Element) -> dict[str, Any]:
    """The answers of an ODK instance, shaped as the field app's records carry them."""
    answers: dict[str, Any] = {}
    for section in document["sections"]:
        group = _child(root, section["name"])
        if group is None:
            continue
        for item in section["items"]:
            if item["kind"] == "repeat":
                instances = []
                for node in _children(group, item["name"]):
                    instance = {}
                    for question in item["items"]:
                        value = _value(question, _child(node, question["name"]))
                        if value is not None:
                            instance[question["name"]] = value
                    instances.append(instance)
                if instances:
                    answers[item["name"]] = instances
            else:
                value = _value(item, _child(group, item["name"]))
                if value is not None:
                    answers[item["name"]] = value
    return answers


def _media_answers(document: dict[str, Any], root: Element) -> dict[str, str]:
    """Question path → file name of every answered photo, audio, video or file question."""
    out: dict[str, str] = {}
    answers = answers_of(document, root)
    for section in document["sections"]:
        for item in section["items"]:
            if item["kind"] == "repeat":
                for number, instance in enumerate(answers.get(item["name"], []), start=1):
                    for question in item["items"]:
                        if question["type"] in MEDIA_TYPES and question["name"] in instance:
                            path = f"{item['name']}[{number}].{question['name']}"
                            out[path] = str(instance[question["name"]])
            elif item["type"] in MEDIA_TYPES and item["name"] in answers:
                out[item["name"]] = str(answers[item["name"]])
    return out


# --- Receiving -----------------------------------------------------------------------


def _hold(*, user: Any, form: _Form, xml: bytes, digest: str, reason: str) -> None:
    try:
        with transaction.atomic():
            HeldSubmission.objects.get_or_create(
                instance_id=form.instance_id,
                xml_sha256=digest,
                defaults={
                    "user": user,
                    "form_id": form.form_id,
                    "xml": xml.decode("utf-8", "replace"),
                    "reason": reason,
                },
            )
    except IntegrityError:
        pass  # the same content held by a request running at the same time


def _stage(upload: UploadedFile) -> str:
    upload.seek(0)
    return default_storage.save(f"openrosa/staging/{uuid_module.uuid4().hex}", upload)


def _read_staged(name: str) -> bytes:
    with default_storage.open(name, "rb") as file:
        return file.read()


def _discard(names: Any) -> None:
    for name in names:
        with contextlib.suppress(OSError):
            default_storage.delete(name)


def odk_submission_receive(
    *, user: Any, device: DeviceToken, xml: bytes, files: dict[str, UploadedFile]
) -> Outcome:
    """Receive one POST of an ODK submission (the XML and some or all of its files).

    Returns once the files are staged (waiting for the rest) or the record is made. Raises
    a SubmissionRefused (or VisitClosed), having kept nothing of this POST; a refused
    record drops what earlier POSTs staged for it.
    """
    root = _parse(xml)
    form = _form_of(root)
    visit = _visit_for_recording(user, form.visit_pk)
    digest = hashlib.sha256(xml).hexdigest()
    limit = settings.KUZET_MEDIA_MAX_BYTES
    for name, upload in files.items():
        if (upload.size or 0) > limit:
            raise AttachmentTooLarge(
                _("The file %(name)s is larger than %(max)s bytes.") % {"name": name, "max": limit}
            )
    stored = OdkSubmission.objects.filter(instance_id=form.instance_id).first()
    if stored is not None and (stored.xml_sha256 != digest or stored.user_id != user.pk):
        reason = _("instanceID already used by another submission")
        _hold(user=user, form=form, xml=xml, digest=digest, reason=reason)
        raise InstanceConflict(
            _(
                "A different submission with the instanceID %(id)s was received earlier; this one is kept for review."
            )
            % {"id": form.instance_id}
        )
    if stored is not None and stored.status == OdkSubmission.Status.RECEIVED:
        return Outcome(stored, _("This submission was already received."), False)
    new_files = {
        name: upload
        for name, upload in files.items()
        if name in form.expected and (stored is None or name not in stored.staged)
    }
    staged_now = {name: _stage(upload) for name, upload in new_files.items()}
    try:
        with acting_as(user), transaction.atomic():
            if stored is None:
                stored = OdkSubmission(
                    instance_id=form.instance_id,
                    user=user,
                    device_token=device,
                    visit=visit,
                    version=form.version,
                    form_id=form.form_id,
                    encrypted=form.encrypted,
                    xml_sha256=digest,
                    expected_files=form.expected,
                )
                stored.full_clean()
                stored.save()
            else:
                stored = OdkSubmission.objects.select_for_update().get(pk=stored.pk)
            stored.staged = {**stored.staged, **staged_now}
            missing = [n for n in form.expected if n not in stored.staged]
            if missing:
                stored.save(update_fields=["staged"])
                return Outcome(
                    stored,
                    _("Received; waiting for %(count)s more file(s).") % {"count": len(missing)},
                    True,
                )
            done = _make_record(
                stored=stored, form=form, root=root, visit=visit, user=user, device=device
            )
    except IntegrityError:
        _discard(staged_now.values())
        # The same submission arrived twice at once: the other request stored it.
        again = OdkSubmission.objects.filter(
            instance_id=form.instance_id, xml_sha256=digest
        ).first()
        if again is None:
            raise
        return Outcome(again, _("This submission was already received."), False)
    except (SubmissionRefused, VisitClosed):
        _discard(staged_now.values())
        _drop_waiting(form.instance_id)
        raise
    except Exception:
        _discard(staged_now.values())
        raise
    _discard(done)
    return Outcome(stored, _("The submission was received."), True)


def _drop_waiting(instance_id: str) -> None:
    """Forget a waiting submission whose record was refused, and its staged files."""
    with transaction.atomic():
        waiting = (
            OdkSubmission.objects.select_for_update()
            .filter(instance_id=instance_id, status=OdkSubmission.Status.WAITING)
            .first()
        )
        if waiting is not None:
            names = list(waiting.staged.values())
            waiting.delete()
            transaction.on_commit(lambda: _discard(names))


def _make_record(
    *,
    stored: OdkSubmission,
    form: _Form,
    root: Element,
    visit: Visit,
    user: Any,
    device: DeviceToken,
) -> list[str]:
    """Make the record; returns the staged files it no longer needs."""
    files = {name: _read_staged(path) for name, path in stored.staged.items()}
    verified = False
    if form.encrypted:
        key = _child(root, "base64EncryptedKey")
        signature = _child(root, "base64EncryptedElementSignature")
        try:
            opened = crypto.open_submission(
                form_id=form.form_id,
                version=root.get("version"),
                instance_id=form.instance_id,
                base64_key=(key.text or "") if key is not None else "",
                signature=(signature.text or "") if signature is not None else "",
                media_names=form.media_names,
                xml_name=form.xml_name,
                files=files,
            )
        except crypto.DecryptionFailed as failure:
            raise NotDecrypted(
                _("The encrypted submission could not be opened (%(reason)s).")
                % {"reason": failure.code}
            ) from None
        root = _parse(opened.xml)
        if (root.get("id") or "") != form.form_id or _instance_id(root) != form.instance_id:
            raise NotDecrypted(_("The encrypted submission is not the one its manifest names."))
        media = opened.media
        verified = True
    else:
        media = files
    answers = answers_of(form.version.document, root)
    wanted = _media_answers(form.version.document, root)
    absent = sorted({n for n in wanted.values() if n not in media})
    if absent:
        raise RecordInvalid(
            _("The submission names files it does not contain: %(names)s")
            % {"names": ", ".join(absent)}
        )
    try:
        response = apply_record(
            actor=user,
            visit=visit,
            record_type=Submission.Type.RESPONSE,
            data=ResponseData(version=form.version.pk, answers=answers),
        )
    except RecordRejected as rejected:
        errors = rejected.errors
        listed = (
            [f"{path}: {'; '.join(ms)}" for path, ms in errors.items()]
            if isinstance(errors, dict)
            else list(errors)
        )
        raise RecordInvalid(" ".join(listed[:20])) from None
    except (MissingReference, PermissionDenied):
        raise VisitClosed("access_denied") from None
    now = timezone.now()
    submission = Submission(
        uuid=_record_uuid(form.instance_id),
        user=user,
        device_token=device,
        type=Submission.Type.RESPONSE,
        visit=visit,
        content_hash=stored.xml_sha256,
        received_at=now,
        finalized_on_device_at=None,
        object_type=response._meta.label_lower,
        object_id=response.pk,
    )
    submission.save()
    for path, name in wanted.items():
        data = media[name]
        try:
            media_add(
                actor=user,
                visit=visit,
                upload=SimpleUploadedFile(name, data),
                description=_("ODK submission %(id)s, question %(path)s")
                % {"id": form.instance_id, "path": path},
                device="ODK (OpenRosa)",
                # Encrypted: the file is the one the device signed (MD5 in the signature).
                expected_sha256=hashlib.sha256(data).hexdigest() if verified else "",
            )
        except ValidationError as error:
            raise RecordInvalid(f"{name}: " + " ".join(error.messages)) from None
    staged = list(stored.staged.values())
    stored.status = OdkSubmission.Status.RECEIVED
    stored.received_at = now
    stored.submission = submission
    stored.staged = {}
    stored.save(update_fields=["status", "received_at", "submission", "staged"])
    return staged
