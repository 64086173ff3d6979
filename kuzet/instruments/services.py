"""Writes of instruments: importing an XLSForm as a draft version, publishing, assigning
instruments to institution types, and loading the standard library."""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from kuzet.instruments.models import Instrument, InstrumentAssignment, InstrumentVersion
from kuzet.instruments.schema import questions
from kuzet.instruments.xlsform import SheetError, read_xlsform
from kuzet.registry.models import InstitutionType, Norm

LIBRARY_DIR = Path(__file__).parent / "library"


@dataclass
class ImportOutcome:
    version: InstrumentVersion | None = None
    errors: list[SheetError] = field(default_factory=list)
    unchanged: bool = False  # the file is the same as an existing version


def content_hash(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@transaction.atomic
def instrument_version_import(
    *,
    data: bytes,
    actor: Any,
    filename: str = "",
    attachments: dict[str, bytes] | None = None,
) -> ImportOutcome:
    """Read an XLSForm and store it as a draft version (nothing is stored on any error).

    ``filename`` gives the form's title and code when its settings do not;
    ``attachments`` are the list files its ``select_one_from_file`` rows name.
    """
    read = read_xlsform(
        data,
        known_norms=set(Norm.objects.values_list("code", flat=True)),
        known_types=set(InstitutionType.objects.values_list("code", flat=True)),
        filename=filename,
        attachments=attachments,
    )
    if read.document is None:
        return ImportOutcome(errors=read.errors)
    document = read.document
    digest = content_hash(document)
    instrument = Instrument.objects.filter(code=document["code"]).first()
    if instrument is not None:
        same = instrument.versions.filter(content_hash=digest).first()
        if same is None and read.version_defaulted:
            # No version in the file: the same file uploaded again differs by its upload
            # time only.
            same = next(
                (
                    v
                    for v in instrument.versions.order_by("-number")
                    if content_hash({**v.document, "version": document["version"]}) == digest
                ),
                None,
            )
        if same is not None:
            return ImportOutcome(version=same, unchanged=True)
    else:
        instrument = Instrument(code=document["code"])
    title = document["title"]
    instrument.title_ru, instrument.title_kk = title.get("ru", ""), title.get("kk", "")
    instrument.title_en = title.get("en", "")
    instrument.kind = document["kind"]
    instrument.full_clean()
    instrument.save()
    last = instrument.versions.aggregate(n=Max("number"))["n"] or 0
    version = InstrumentVersion(
        instrument=instrument,
        number=last + 1,
        label=document["version"],
        document=document,
        content_hash=digest,
        question_count=sum(1 for n in questions(document) if n.item["type"] != "note"),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    version.full_clean()
    version.save()
    if not instrument.assignments.exists():
        instrument_assign_types(
            instrument=instrument, type_codes=document.get("institution_types", [])
        )
    return ImportOutcome(version=version)


@transaction.atomic
def instrument_version_publish(*, version: InstrumentVersion, actor: Any) -> InstrumentVersion:
    version.status = InstrumentVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor if getattr(actor, "pk", None) else None
    version.save(update_fields=["status", "published_at", "published_by"])
    return version


@transaction.atomic
def instrument_version_discard(*, version: InstrumentVersion) -> None:
    """Delete a draft (published versions stay for ever)."""
    version.delete()


@transaction.atomic
def instrument_assign_types(*, instrument: Instrument, type_codes: list[str]) -> None:
    """Make ``type_codes`` exactly the institution types the instrument is assigned to."""
    wanted = set(InstitutionType.objects.filter(code__in=type_codes).values_list("pk", flat=True))
    for assignment in instrument.assignments.all():
        if assignment.institution_type_id not in wanted:
            assignment.delete()
    have = set(instrument.assignments.values_list("institution_type_id", flat=True))
    for type_id in sorted(wanted - have):
        InstrumentAssignment(instrument=instrument, institution_type_id=type_id).save()


def library_load(*, actor: Any = None) -> list[str]:
    """Import and publish every standard-library XLSForm not loaded yet; returns what changed.

    Raises ``ValueError`` listing the problems if a library file does not import (a bug
    of the shipped library, caught by the tests).
    """
    loaded: list[str] = []
    for path in sorted(LIBRARY_DIR.glob("*.xlsx")):
        outcome = instrument_version_import(data=path.read_bytes(), actor=actor)
        if outcome.errors:
            raise ValueError(f"{path.name}: " + "; ".join(str(e) for e in outcome.errors[:10]))
        assert outcome.version is not None
        if not outcome.version.is_published:
            instrument_version_publish(version=outcome.version, actor=actor)
            loaded.append(f"{outcome.version.instrument.code} v{outcome.version.number}")
    return loaded
