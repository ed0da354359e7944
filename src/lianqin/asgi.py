"""ASGI entry point for uvicorn: Django, with the webhook's fast lane in front
(``api/intake_lane.py``)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianqin.settings")
django_application = get_asgi_application()

from lianqin.api.intake_lane import IntakeLane  # noqa: E402  (after Django is set up)

application = IntakeLane(django_application)
