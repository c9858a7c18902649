"""WSGI entry point for gunicorn: ``gunicorn cloudcore.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudcore.settings")

application = get_wsgi_application()
