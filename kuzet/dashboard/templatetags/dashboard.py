"""``{% data_table table %}``: an indicator table as HTML.

Written in Python rather than as an included template: a ten-year page has about a
thousand figures, each a localised number in a link, and the template engine spent more
time on them than the database spent counting them. The markup is what the template gave.
"""

from django import template
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kuzet.core.small import small
from kuzet.dashboard.indicators import Table

register = template.Library()


@register.simple_tag
def data_table(table: Table) -> SafeString:
    head = "".join(f'<th class="num">{escape(c)}</th>' for c in table.columns)
    out = [f'<table class="data">\n  <thead><tr><th></th>{head}</tr></thead>\n  <tbody>']
    for row in table.rows:
        out.append(f"<tr><td>{escape(row.label)}</td>")
        for n, value in enumerate(row.values):
            # Counts are integers, shown without grouping (as ``localize`` shows them).
            shown: str
            if n in row.withheld:
                shown = escape(small(1))  # "< N": a small count that may single out a visit
            elif value is None:
                shown = "—"
            elif isinstance(value, int):
                shown = str(value)
            else:
                shown = escape(localize(value))
            link = row.links[n] if n < len(row.links) else ""
            if link:
                out.append(f'<td class="num"><a href="{escape(link)}">{shown}</a></td>')
            else:
                out.append(f'<td class="num">{shown}</td>')
        out.append("</tr>")
    out.append("</tbody>\n</table>")
    return mark_safe("".join(out))  # noqa: S308  (every part above is escaped)
