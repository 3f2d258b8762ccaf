"""
WSGI config for demo_project.

It exposes the WSGI callable as a module-level variable named ``application``.

https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_project.settings")

application = get_wsgi_application()

# As in asgi.py: a throwaway database gets migrated and the sample books right away.
if settings.DEMO_PROJECT_EPHEMERAL_DB:
    from demo_project.db import prepare_database

    prepare_database(sample_data=True)
