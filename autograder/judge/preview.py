"""Validate's preview: the judge's checks, run in a student's own kernel.

A test cell says ``await check("test_greet_answers", greet)``. In JupyterLab that runs the very
check the grader runs, here and now: the notebook's views are served on a socket of this kernel,
the preview's own services answer them, a thread of this process watches this loop, and the data
are the fixed preview data. It is quick and instructive, and it is not the grade: when the
notebook is graded, test cells are not run in the kernel at all; the judge runs each check from
the grader's process, with data drawn for that submission.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import threading

from autograder.judge.client import ViewClient
from autograder.judge.data import PREVIEW_SEED, Draw
from autograder.judge.database import KernelDatabase
from autograder.judge.observe import ThreadObserver
from autograder.judge.probe import LoopProbe
from autograder.judge.registry import find
from autograder.judge.stage import Stage
from autograder.judge.teaching import CheckFailed
from autograder.judge.verdict import judge
from autograder.runtime import serve, services
from autograder.runtime.simulated.services import ServicesThread

LEGACY_ENV = "DEMO_PROJECT_LEGACY_PRICES"
NOTE = "(Validate preview in your kernel; the grader runs it again with data of its own)"

_services: ServicesThread | None = None
_lock = threading.Lock()


def _preview_services() -> ServicesThread:
    global _services
    with _lock:
        if _services is None:
            _services = ServicesThread()
        return _services


def _database() -> KernelDatabase | None:
    try:
        from django.conf import settings

        if settings.configured:
            database = settings.DATABASES["default"]
            if database["ENGINE"].endswith("sqlite3"):
                return KernelDatabase(database["NAME"])
    except Exception:  # no Django here: checks that need a database say so
        return None
    return None


@contextlib.contextmanager
def _legacy_prices_at(path: str):
    previous = os.environ.get(LEGACY_ENV)
    os.environ[LEGACY_ENV] = path
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(LEGACY_ENV, None)
        else:
            os.environ[LEGACY_ENV] = previous


def _interrupt_this_process() -> None:
    os.kill(os.getpid(), serve.UNBLOCK_SIGNAL)  # handled in the main thread, where the loop runs


async def check(grade_id: str, *views: object, namespace: dict | None = None) -> None:
    """Run the check ``grade_id`` on this notebook now (the views are named for readability).

    The names are looked up in ``namespace``, by default the calling cell's (the notebook's).
    """
    namespace = sys._getframe(1).f_globals if namespace is None else namespace
    spec = find(grade_id)
    station = _preview_services()
    socket_path = serve.preview_socket()
    client = ViewClient(socket_path)
    legacy = str(station.socket_path("legacy-prices.example"))
    printed = io.StringIO()  # what the view prints is not the test's output (as when graded)
    try:
        with (
            contextlib.redirect_stdout(printed),
            contextlib.redirect_stderr(printed),
            ThreadObserver(os.getpid(), threading.get_native_id()) as observer,
            services.routed_to(station.folder),
            _legacy_prices_at(legacy),
        ):
            serving = serve.session(
                socket_path, namespace, spec.views, constants=dict(spec.constants),
                values=spec.values, clear_cache=spec.clear_cache,
            )  # fmt: skip
            async with serving as app:
                with LoopProbe(socket_path) as probe:
                    stage = Stage(
                        client=client,
                        services=station,
                        observer=observer,
                        probe=probe,
                        database=_database(),
                        draw=Draw(PREVIEW_SEED).child(grade_id),
                        preview=True,
                        loop_thread=str(threading.get_native_id()),
                        interrupt=_interrupt_this_process if app.guarded else None,
                    )
                    verdict = await judge(spec, stage)
    finally:
        await client.aclose()
    if not verdict.passed:
        raise CheckFailed(verdict.message)
    print(f"✔ {verdict.message}\n  {NOTE}")
