"""What the addressees claim, for a follow-up visit: the recommendations of earlier visits to
the visit's institution that their addressees answered, each with its latest answer, the
latest action plan and the NPM's latest assessment, so that the team checks the claims on
site against what it finds."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch

from kuzet.portal.models import Answer, Assessment, PlanStep
from kuzet.recommendations.models import Recommendation
from kuzet.visits.models import Visit
from kuzet.visits.selectors import visits_for


@dataclass
class Claim:
    recommendation: Recommendation
    latest: Answer
    # The latest answer with an action plan (the latest answer itself, or an earlier one).
    plan: list[PlanStep]
    plan_answered_at: Any
    assessment: Assessment | None
    evidence_files: int
    # Whether the user may open the recommendation's page (they may open its visit).
    can_open: bool


def claims_on(visit: Visit, user: Any) -> list[Claim]:
    """The answered recommendations of the other, earlier visits to ``visit``'s institution
    (issued ones: a draft was never sent), oldest deadline first. Shown to whoever may open
    ``visit`` (its team, the coordinator, the reviewers): the recommendation is in the words it
    was sent in and the answers are the officials' own, so no interview or identity is read."""
    answered = Answer.objects.filter(recommendation=OuterRef("pk"))
    recommendations = (
        Recommendation.objects.filter(
            visit__institution_id=visit.institution_id,
            visit__planned_date__lte=visit.planned_date,
        )
        .exclude(visit_id=visit.pk)
        .exclude(status=Recommendation.Status.DRAFT)
        .filter(Exists(answered))
        .select_related("addressee", "visit")
        .prefetch_related(
            Prefetch(
                "answers",
                Answer.objects.prefetch_related("plan", "files", "assessments").order_by(
                    "created_at", "pk"
                ),
            )
        )
        .order_by("deadline", "pk")
    )
    rows = list(recommendations)
    openable = set(
        visits_for(user).filter(pk__in={r.visit_id for r in rows}).values_list("pk", flat=True)
    )
    claims = []
    for recommendation in rows:
        answers = list(recommendation.answers.all())
        with_plan = [a for a in answers if a.plan.all()]
        assessments = [s for a in answers for s in a.assessments.all()]
        claims.append(
            Claim(
                recommendation=recommendation,
                latest=answers[-1],
                plan=list(with_plan[-1].plan.all()) if with_plan else [],
                plan_answered_at=with_plan[-1].created_at if with_plan else None,
                assessment=max(assessments, key=lambda s: (s.assessed_at, s.pk))
                if assessments
                else None,
                evidence_files=sum(len(a.files.all()) for a in answers),
                can_open=recommendation.visit_id in openable,
            )
        )
    return claims
