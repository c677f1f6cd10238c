"""ASGI entry point.

With DEBUG off it refuses to load while any system check fails: a demo or weak
secret, or demo logins, second factors or data in the database (kolk.core.checks).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kolk.settings")
application = get_asgi_application()

from kolk.core.checks import refuse_to_serve  # noqa: E402  (after Django is set up)

refuse_to_serve()
