from django import template

from kuzet.core.small import small as small_text

register = template.Library()


@register.filter
def small(count: int | None) -> str:
    """``{{ count|small }}``: "< 5" for a count that could single out a person."""
    return "—" if count is None else small_text(int(count))
