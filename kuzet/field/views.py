"""The field app's shell: the page, its service worker and its manifest.

These three answer without a session: the shell holds no data (everything comes from the
API with a device token, and lives encrypted on the device), and it must load offline from
the service worker's cache. The worker is rendered with a version that is a hash of every
file it caches, so a new release installs a new worker; the page asks the user before it
takes over (never in the middle of a form).
"""

import hashlib
import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.templatetags.static import static
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from kuzet.field.strings import all_texts

# Static files the shell needs offline, besides the shell page itself.
SHELL_ASSETS = (
    "field/app.js",
    "field/crypto.js",
    "field/store.js",
    "field/api.js",
    "field/sync.js",
    "field/form.js",
    "field/records.js",
    "field/validate.js",
    "field/ui.js",
    "field/media.js",
    "field/library.js",
    "field/vendor/noble-hashes-2.4.0/sha2.js",
    "field/vendor/noble-hashes-2.4.0/_md.js",
    "field/vendor/noble-hashes-2.4.0/_u64.js",
    "field/vendor/noble-hashes-2.4.0/utils.js",
    "field/field.css",
    "field/icon.svg",
    "field/icon-192.png",
    "field/icon-512.png",
    "instruments/conditions.js",
    "quality/texts.js",
    "kuzet/kuzet.css",
)


@cache
def _version() -> str:
    """A hash of every cached file and of the templates: changes with any release."""
    digest = hashlib.sha256()
    for name in SHELL_ASSETS:
        path = finders.find(name)
        if path:
            digest.update(Path(str(path)).read_bytes())
    for template in ("field/shell.html", "field/sw.js"):
        origin = get_template(template).origin.name  # type: ignore[attr-defined]
        digest.update(Path(origin).read_bytes())
    return digest.hexdigest()[:16]


def _version_now() -> str:
    if settings.DEBUG:  # files change while a developer works
        _version.cache_clear()
    return _version()


@require_GET
@cache_control(no_cache=True)
def shell(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "field/shell.html",
        {
            "version": _version_now(),
            "language": (get_language() or "ru").split("-")[0],
            "strings": all_texts(),
        },
    )


@require_GET
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    assets = ["/field/", *(static(name) for name in SHELL_ASSETS)]
    return render(
        request,
        "field/sw.js",
        {"version": _version_now(), "assets": json.dumps(assets)},
        content_type="text/javascript; charset=utf-8",
    )


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    document = {
        "name": "Kuzet — field",
        "short_name": "Kuzet",
        "start_url": "/field/",
        "scope": "/field/",
        "display": "standalone",
        "background_color": "#f6f7f9",
        "theme_color": "#0b5d7a",
        "icons": [
            {"src": static("field/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("field/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("field/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return HttpResponse(json.dumps(document), content_type="application/manifest+json")
