"""The mandate document (PDF, ru/kk) with its QR code, short code and photo if any."""

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from kuzet.membership.models import Participation
from kuzet.membership.tokens import mandate_code
from kuzet.reports.render import _weasyprint


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _photo_data_uri(participation: Participation) -> str:
    """The stored photo (a JPEG the server made itself) as a data URI, or "" if none."""
    if not participation.photo:
        return ""
    with participation.photo.open("rb") as stored:
        data = stored.read()
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def mandate_pdf(participation: Participation, *, language: str, base_url: str) -> bytes:
    code = mandate_code(participation.mandate_number)
    link = base_url + reverse("verify:code", kwargs={"code": code})
    with translation.override(language):
        html = render_to_string(
            "membership/mandate.html",
            {
                "p": participation,
                "code": code,
                "link": link,
                "qr": _qr_data_uri(link),
                "region": participation.region.name,
                "photo": _photo_data_uri(participation),
            },
        )
    weasyprint = _weasyprint()
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    pdf: bytes = weasyprint.HTML(
        string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher
    ).write_pdf(pdf_identifier=b"kuzet-mandate", custom_metadata=False)
    return pdf
