"""Changing the report quality settings and the text rules' lists (the secretariat;
every change audited)."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kuzet.core.policy import Action, can
from kuzet.quality import ruledata
from kuzet.quality.models import LexiconOverride, QualitySettings

SETTING_FIELDS = [
    "min_stay_minutes",
    "checklist_repeat_percent",
    "checklist_repeat_min_items",
    "blocking",
]


@transaction.atomic
def quality_settings_update(*, actor: Any, values: dict[str, Any]) -> QualitySettings:
    """Save the settings named in ``values``; a bad value is a ValidationError naming its field
    and nothing is saved. The row's audited ``save()`` records who changed what."""
    if not can(actor, Action.MANAGE_QUALITY_SETTINGS):
        raise PermissionDenied
    current = QualitySettings.objects.select_for_update().filter(pk=1).first()
    settings = current or QualitySettings(pk=1)
    for name in SETTING_FIELDS:
        if name in values:
            setattr(settings, name, values[name])
    if isinstance(settings.blocking, list):
        settings.blocking = sorted(set(settings.blocking))
    settings.full_clean()
    settings.save()
    return settings


def _lexicon_known(name: str, lang: str) -> str:
    """The shipped text of the list ``name`` in ``lang``; an unknown list is a ValidationError."""
    _settings, sources = ruledata.read_files(ruledata.RULES_DIR)
    if lang not in ruledata.LANGUAGES or lang not in sources.get(name, {}):
        raise ValidationError(_("There is no such list."), code="unknown")
    return sources[name][lang]


def lexicon_problems(name: str, lang: str, text: str) -> list[ruledata.RuleError]:
    """The broken lines of ``text`` as the list ``name`` in ``lang`` (the files' parser)."""
    _entries, errors = ruledata.parse_lexicon(text, f"lexicons/{lang}/{name}.txt")
    return errors


@transaction.atomic
def lexicon_save(*, actor: Any, name: str, lang: str, text: str) -> LexiconOverride:
    """Put ``text`` in force as the list ``name`` in ``lang`` (here and in the tablets'
    package). Every line is read with the files' parser: a broken line is a ValidationError
    naming its line number, and nothing is saved. The row's audited ``save()`` records who
    changed what."""
    if not can(actor, Action.MANAGE_QUALITY_SETTINGS):
        raise PermissionDenied
    _lexicon_known(name, lang)
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()
    problems = lexicon_problems(name, lang, text)
    if problems:
        raise ValidationError(
            {
                "text": [
                    ValidationError(
                        _("Line %(number)s: %(problem)s"),
                        code="broken_line",
                        params={"number": p.line, "problem": p.problem},
                    )
                    for p in problems
                ]
            }
        )
    override = LexiconOverride.objects.select_for_update().filter(
        name=name, lang=lang
    ).first() or LexiconOverride(name=name, lang=lang)
    override.text = text + "\n" if text else ""
    override.full_clean()
    override.save()
    ruledata.recheck()
    return override


@transaction.atomic
def lexicon_reset(*, actor: Any, name: str, lang: str) -> bool:
    """Bring the shipped list back (the edit is deleted, audited); False when there was none."""
    if not can(actor, Action.MANAGE_QUALITY_SETTINGS):
        raise PermissionDenied
    _lexicon_known(name, lang)
    override = LexiconOverride.objects.select_for_update().filter(name=name, lang=lang).first()
    if override is None:
        return False
    override.delete()
    ruledata.recheck()
    return True
