"""
ASGI config for demo_project.

It exposes the ASGI callable as a module-level variable named ``application``, so
``uvicorn demo_project.asgi:application`` serves the project.

https://docs.djangoproject.com/en/5.2/howto/deployment/asgi/
"""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_project.settings")

application = get_asgi_application()

# A throwaway database starts empty: migrate it and add the sample books, so the server answers
# at once. A database named by DEMO_PROJECT_DB is left to `manage.py migrate`.
if settings.DEMO_PROJECT_EPHEMERAL_DB:
    from demo_project.db import prepare_database

    prepare_database(sample_data=True)
