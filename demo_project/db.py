"""Get demo_project's database ready from anywhere: a script, a Jupyter cell, an ASGI server.

    from demo_project.db import prepare_database

    prepare_database(sample_data=True)  # migrated, with the sample catalog

Jupyter kernels and ASGI servers run their code in a thread with a running event loop, where
Django refuses synchronous database work (SynchronousOnlyOperation). So the work happens in a
short-lived worker thread of its own, and prepare_database() waits for it.
"""

import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import django
from django.apps import apps
from django.core.management import call_command
from django.db import connections

_prepare_lock = threading.Lock()
# Guarded by _prepare_lock: what this process has already done.
_migrated = False
_sample_data_loaded = False


def prepare_database(*, sample_data: bool = False) -> str:
    """Migrate the default database (and load the sample catalog if asked); return its path.

    Safe to call any number of times from any thread, with or without a running event loop:
    each step runs at most once per process. Sets Django up with demo_project.settings first if
    nobody has yet. To restore the sample books later, call
    ``demo_project.catalog.sample.load_sample_catalog()`` (from async code through
    ``sync_to_async``).
    """
    global _migrated, _sample_data_loaded
    with _prepare_lock:
        if not apps.ready:
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_project.settings")
            django.setup()
        if not _migrated or (sample_data and not _sample_data_loaded):
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="prepare_database") as pool:
                load_sample_data = sample_data and not _sample_data_loaded
                pool.submit(
                    _migrate_and_load, migrate=not _migrated, sample_data=load_sample_data
                ).result()
            _migrated = True
            _sample_data_loaded = _sample_data_loaded or sample_data
    return _database_path()


def _migrate_and_load(*, migrate: bool, sample_data: bool) -> None:
    """The synchronous part of prepare_database(); runs in a thread without an event loop."""
    # Imported here because models can only be imported once Django is set up.
    from demo_project.catalog.sample import load_sample_catalog

    try:
        if migrate:
            call_command(
                "migrate",
                verbosity=0,
                interactive=False,
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
        if sample_data:
            load_sample_catalog()
    finally:
        # Database connections belong to the thread that opened them, and this thread ends now.
        connections.close_all()


def _database_path() -> str:
    return str(connections["default"].settings_dict["NAME"])
