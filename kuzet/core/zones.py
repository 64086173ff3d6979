"""Times as people read them: in the site's zone (``TIME_ZONE``; Asia/Almaty, UTC+5 since
Kazakhstan moved to one zone on 1 March 2024), always with the offset they are in, so that
no time on a page or in a form is ambiguous."""

from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _


def offset_label(moment: datetime | None = None) -> str:
    """``UTC+5`` (``UTC+5:45``, ``UTC−3``): the site zone's offset at ``moment`` (now by
    default; the offset of a zone changes over the years)."""
    local = timezone.localtime(moment) if moment is not None else timezone.localtime()
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def when(moment: datetime | None) -> str:
    """Date and time in the site's zone, followed by its offset: ``12.05.2026 13:10 UTC+5``."""
    if moment is None:
        return "—"
    return (
        f"{date_format(timezone.localtime(moment), 'SHORT_DATETIME_FORMAT')} {offset_label(moment)}"
    )


def zone_help() -> str:
    """What a form's time field is in: ``Time in Asia/Almaty (UTC+5).``"""
    return _("Time in %(zone)s (%(offset)s).") % {
        "zone": settings.TIME_ZONE,
        "offset": offset_label(),
    }
