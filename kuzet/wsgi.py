"""WSGI entry point (gunicorn kuzet.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from kuzet.startup import exit_on_config_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuzet.settings")

with exit_on_config_error():
    application = get_wsgi_application()
