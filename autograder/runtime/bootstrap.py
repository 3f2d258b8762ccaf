"""The notebooks' first cell: configure Django from demo_project with a migrated temporary DB.

Every lesson and assignment starts with the same cell (``BOOTSTRAP_CELL``). A Jupyter kernel runs
an event loop in its main thread, so Django's sync ORM (and ``migrate``) refuse to run from a cell;
``demo_project.db.prepare_database`` runs them in a worker thread. The async-safety check stays on:
students must see ``SynchronousOnlyOperation`` when they call the sync ORM from async code.
"""

from __future__ import annotations

import os

# The exact source of the first cell of every notebook; tests/test_notebooks.py enforces it.
BOOTSTRAP_CELL = """\
# Course set-up: run this cell first. It configures Django (demo_project) with a fresh database.
from autograder.runtime.bootstrap import setup_notebook

setup_notebook()"""

SETTINGS_MODULE = "demo_project.settings"


def setup_notebook(*, sample_data: bool = False, quiet: bool = False) -> None:
    """Configure Django for awaiting async views in cells (idempotent: run it as often as you like).

    ``sample_data=True`` also loads demo_project's small sample catalog of authors and books.
    """
    import django
    from django.conf import settings

    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    if not settings.configured:
        django.setup()
    from demo_project.db import prepare_database

    database = prepare_database(sample_data=sample_data)
    if not quiet:
        print(f"Django {django.get_version()} is ready: demo_project settings, database {database}")
