"""``{{ moment|when }}``: a time in the site's zone with its offset (``core.zones``)."""

from datetime import datetime

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from kuzet.core.zones import offset_label
from kuzet.core.zones import when as when_text

register = template.Library()


@register.filter
def when(moment: datetime | None) -> SafeString | str:
    """``12.05.2026 13:10 <span class="zone">UTC+5</span>``; ``—`` for no time."""
    if moment is None or moment == "":
        return "—"
    text = when_text(moment)
    zone = offset_label(moment)
    return format_html('{} <span class="zone">{}</span>', text.removesuffix(f" {zone}"), zone)
