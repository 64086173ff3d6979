"""The report quality settings pages (the secretariat): thresholds and blocking codes, and
the lists of the text rules."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kuzet.core.forms import show_service_errors
from kuzet.core.policy import Action, can
from kuzet.quality import ruledata
from kuzet.quality.forms import LexiconForm, QualitySettingsForm
from kuzet.quality.models import LEXICONS, LexiconOverride, QualitySettings
from kuzet.quality.services import lexicon_reset, lexicon_save, quality_settings_update


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.MANAGE_QUALITY_SETTINGS):
        raise PermissionDenied
    form = QualitySettingsForm(request.POST or None, instance=QualitySettings.current())
    if request.method == "POST" and form.is_valid():
        try:
            quality_settings_update(actor=request.user, values=dict(form.cleaned_data))
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("The report quality settings are saved."))
            return redirect("quality:settings")
    return render(
        request, "quality/settings.html", {"form": form}, status=422 if form.errors else 200
    )


def _lexicon_rows() -> list[dict[str, Any]]:
    _settings, sources = ruledata.read_files(ruledata.RULES_DIR)
    edited = {(o.name, o.lang): o for o in LexiconOverride.objects.all()}
    names = [n for n in LEXICONS if n in sources] + sorted(set(sources) - set(LEXICONS))
    return [
        {
            "name": name,
            "label": LEXICONS.get(name, name),
            "langs": [
                {"code": lang, "label": LexiconOverride.Lang(lang).label,
                 "edited": edited.get((name, lang))}
                for lang in ruledata.LANGUAGES
                if lang in sources[name]
            ],
        }
        for name in names
    ]  # fmt: skip


@login_required
@require_http_methods(["GET"])
def lexicons_page(request: HttpRequest) -> HttpResponse:
    """The text rules' lists, each language shipped or edited (and when)."""
    if not can(request.user, Action.MANAGE_QUALITY_SETTINGS):
        raise PermissionDenied
    return render(request, "quality/lexicons.html", {"rows": _lexicon_rows()})


@login_required
@require_http_methods(["GET", "POST"])
def lexicon_edit(request: HttpRequest, name: str, lang: str) -> HttpResponse:
    """One list in one language as a text area; "reset" brings the shipped list back."""
    if not can(request.user, Action.MANAGE_QUALITY_SETTINGS):
        raise PermissionDenied
    _settings, sources = ruledata.read_files(ruledata.RULES_DIR)
    if lang not in ruledata.LANGUAGES or lang not in sources.get(name, {}):
        raise Http404
    shipped = sources[name][lang]
    override = LexiconOverride.objects.filter(name=name, lang=lang).first()
    form = LexiconForm(
        request.POST or None, initial={"text": override.text if override else shipped}
    )
    if request.method == "POST" and request.POST.get("action") == "reset":
        if lexicon_reset(actor=request.user, name=name, lang=lang):
            messages.success(request, _("The shipped list is in force again."))
        return redirect("quality:lexicon", name=name, lang=lang)
    if request.method == "POST" and form.is_valid():
        try:
            lexicon_save(actor=request.user, name=name, lang=lang, text=form.cleaned_data["text"])
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("The list is saved and in force."))
            return redirect("quality:lexicon", name=name, lang=lang)
    context = {
        "form": form,
        "name": name,
        "label": LEXICONS.get(name, name),
        "lang_label": LexiconOverride.Lang(lang).label,
        "override": override,
    }
    return render(request, "quality/lexicon.html", context, status=422 if form.errors else 200)
