"""Kuzet's own documents a Council meeting may discuss, linked (not copied) by a key:
the annual report's editions (``kuzet.reports``), the visit planning (``kuzet.dashboard``)
and the quality indicators. Read through ``apps.get_model`` and URL names, so membership
imports none of those apps (core/tests/test_imports.py forbids cycles)."""

from dataclasses import dataclass

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class SystemDocument:
    key: str
    title: str
    url: str


def _fixed() -> list[SystemDocument]:
    pages = [
        ("planning", _("Visit planning"), "dashboard:planning", ()),
        ("indicators", _("Quality indicators (dashboard)"), "dashboard:indicators", ()),
    ]
    found = []
    for key, title, name, args in pages:
        try:
            found.append(SystemDocument(key, str(title), reverse(name, args=args)))
        except NoReverseMatch:  # the app is not installed here
            continue
    return found


def _annual_editions() -> list[SystemDocument]:
    try:
        edition_model = apps.get_model("reports", "AnnualEdition")
    except LookupError:
        return []
    documents = []
    for edition in edition_model.objects.order_by("-year", "-number")[:20]:
        documents.append(
            SystemDocument(
                f"annual_report:{edition.year}:{edition.number}",
                str(
                    _("Annual report %(year)d, edition %(number)d (%(status)s)")
                    % {
                        "year": edition.year,
                        "number": edition.number,
                        "status": edition.get_status_display(),
                    }
                ),
                reverse("reports:annual_workspace", args=[edition.year]),
            )
        )
    return documents


def system_documents() -> list[SystemDocument]:
    """Every document of Kuzet that may be linked to a meeting now."""
    return _annual_editions() + _fixed()


def resolve_system_document(key: str) -> SystemDocument | None:
    """The document a stored key names, or None when it no longer exists."""
    for document in system_documents():
        if document.key == key:
            return document
    return None
