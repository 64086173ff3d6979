"""The text check behind the hints shown while a finding or recommendation is typed."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kuzet.core.access import VisitAction
from kuzet.quality.texts import check_text
from kuzet.visits.services.access import visit_access
from kuzet.visits.services.quality import text_language
from kuzet.visits.workspace import visit_or_404

# Longer than any finding or recommendation; a longer text is refused, not checked.
MAX_TEXT = 20_000
KINDS = ("finding", "recommendation")


@login_required
@require_POST
def text_check(request: HttpRequest, pk: int) -> JsonResponse:
    """``POST kind, text[, lang]`` → ``{"weak": bool, "reasons": [{"code", "message"}]}``, in
    the user's language; only for someone who may record on the visit."""
    visit = visit_or_404(request, pk)
    if not visit_access(request.user, visit).may(VisitAction.RECORD):
        raise PermissionDenied
    kind = request.POST.get("kind", "")
    text = request.POST.get("text", "")
    lang = request.POST.get("lang", "") or text_language(text)
    errors = {}
    if kind not in KINDS:
        errors["kind"] = _("The kind of text is “finding” or “recommendation”.")
    if lang not in ("ru", "kk"):
        errors["lang"] = _("The language is “ru” or “kk”.")
    if len(text) > MAX_TEXT:
        errors["text"] = _("The text is longer than %(n)s characters.") % {"n": MAX_TEXT}
    if errors:
        return JsonResponse({"errors": errors}, status=422)
    if not text.strip():
        return JsonResponse({"weak": False, "reasons": []})
    reasons = check_text(kind, text, lang=lang)  # type: ignore[arg-type]
    return JsonResponse(
        {
            "weak": bool(reasons),
            "reasons": [{"code": r.code, "message": r.message} for r in reasons],
        }
    )
