"""WSGI entry point for web processes (gunicorn kolk.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kolk.settings")
application = get_wsgi_application()
