"""What apps above recommendations add to its moments, registered at start-up.

Recommendations sits below the addressee portal and does not import it: the portal's app
config registers its functions here (as apps add home sections to ``core.work``), and the
services call whatever is registered, inside their own transaction. Each list is empty
when the portal is not installed.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kuzet.recommendations.models import Recommendation
    from kuzet.visits.models import Visit

# A visit's recommendations were sent: called with ``visit=`` and ``actor=``.
on_sent: list[Callable[..., object]] = []
# Deadline reminders were decided: called with the kind and the recommendations.
on_reminders: list[Callable[[str, list["Recommendation"]], object]] = []
# More for the NPM's page of one recommendation: called with the recommendation and
# whether the reader may assess it; returns template context.
detail_context: list[Callable[["Recommendation", bool], dict[str, Any]]] = []


def sent(*, visit: "Visit", actor: Any) -> None:
    for handler in on_sent:
        handler(visit=visit, actor=actor)


def reminders(kind: str, recommendations: list["Recommendation"]) -> None:
    for handler in on_reminders:
        handler(kind, recommendations)
