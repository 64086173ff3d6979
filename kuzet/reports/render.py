"""Rendering a report document (``kuzet.reports.document``) as HTML, PDF or DOCX.

The PDF is WeasyPrint's rendering of the same templates as the page on screen, with a
print stylesheet (A4, page numbers, table of contents with page numbers, a "draft"
watermark). WeasyPrint needs Pango; it is imported only when a PDF is made, so that the
server starts without it and the error says what to install.
"""

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from kuzet.core.charts import report_chart_svg_uri

FORMATS = ("pdf", "docx")
STATIC = Path(__file__).resolve().parent / "static" / "reports"


class PdfUnavailable(Exception):
    """WeasyPrint or the Pango library it needs is not installed."""


def with_charts(document: dict[str, Any]) -> dict[str, Any]:
    """The document with each chart drawn as an SVG data URI (pages and PDF)."""
    blocks = []
    for block in document["blocks"]:
        if block["type"] == "chart":
            block = {**block, "svg": report_chart_svg_uri(block)}
        blocks.append(block)
    return {**document, "blocks": blocks, "toc": toc(document)}


def toc(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in document["blocks"] if b["type"] == "heading" and b["level"] <= 2]


def stylesheet(name: str) -> str:
    found = finders.find(f"reports/{name}")
    path = Path(str(found)) if found else STATIC / name
    return str(path)


def render_html(document: dict[str, Any], generated_at: str = "") -> str:
    """The standalone HTML that WeasyPrint prints."""
    with translation.override(document["language"]):
        return render_to_string(
            "reports/document.html",
            {"doc": with_charts(document), "generated_at": generated_at},
        )


def _weasyprint() -> Any:
    try:
        import weasyprint  # type: ignore[import-untyped]
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(
            _(
                "PDF output is not available on this server: WeasyPrint could not load "
                "(%(error)s). Install the Pango library and the DejaVu fonts (Debian: "
                "apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)."
            )
            % {"error": type(exc).__name__}
        ) from None
    # Its progress messages (one per page) are not for the server's log.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    return weasyprint


def render_pdf(document: dict[str, Any], generated_at: str = "") -> bytes:
    weasyprint = _weasyprint()
    html = render_html(document, generated_at)
    base = str(settings.BASE_DIR)
    # The document holds its charts as data URIs: nothing else is ever fetched.
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    pdf: bytes = weasyprint.HTML(string=html, base_url=base, url_fetcher=fetcher).write_pdf(
        stylesheets=[
            weasyprint.CSS(filename=stylesheet("report.css")),
            weasyprint.CSS(filename=stylesheet("print.css")),
        ],
        # Reproducible bytes for the same document: no creation date in the file.
        pdf_identifier=b"kuzet",
        custom_metadata=False,
    )
    return pdf


def render_docx(document: dict[str, Any], generated_at: str = "") -> bytes:
    from .docx_render import docx_bytes

    with translation.override(document["language"]):
        return docx_bytes(document, generated_at)


def render(document: dict[str, Any], fmt: str, generated_at: str = "") -> bytes:
    if fmt == "pdf":
        return render_pdf(document, generated_at)
    if fmt == "docx":
        return render_docx(document, generated_at)
    raise ValueError(fmt)
