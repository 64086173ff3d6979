"""What a visit stores, one module per concern: the visit with its team and steps
(``visit``), the people met and interviews (``interviews``), checklists (``responses``),
findings and allegations (``findings``), review comments and amendments (``review``),
media evidence and its custody (``media``), the register of video appeals (``appeals``), marks of changed visits for the readers
(``changes``). ``from kuzet.visits.models import X`` is the
way in; migrations refer to ``kuzet.visits.models.media_path``."""

from kuzet.visits.models.appeals import AUDIENCES, RECIPIENTS, Appeal
from kuzet.visits.models.changes import VisitChange
from kuzet.visits.models.findings import MIN_DESCRIPTION_WORDS, THEMES, Allegation, Finding
from kuzet.visits.models.interviews import CodedPerson, Interview
from kuzet.visits.models.media import (
    CustodyEvent,
    ImmutableEvidenceError,
    MediaEvidence,
    media_path,
)
from kuzet.visits.models.responses import ComplianceMark, Response
from kuzet.visits.models.review import Amendment, ReviewComment, Section
from kuzet.visits.models.visit import StatusChange, TeamMember, Visit

__all__ = [
    "AUDIENCES",
    "MIN_DESCRIPTION_WORDS",
    "RECIPIENTS",
    "THEMES",
    "Allegation",
    "Amendment",
    "Appeal",
    "CodedPerson",
    "ComplianceMark",
    "CustodyEvent",
    "Finding",
    "ImmutableEvidenceError",
    "Interview",
    "MediaEvidence",
    "Response",
    "ReviewComment",
    "Section",
    "StatusChange",
    "TeamMember",
    "Visit",
    "VisitChange",
    "media_path",
]
