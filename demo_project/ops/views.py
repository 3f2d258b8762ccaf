"""Views about how the project is served, for lesson 8 (async Django in production).

``GET /ops/where/?wait=<seconds>`` says where the request ran: process, thread, event loop, ASGI
or WSGI, after waiting ``wait`` seconds (0 to 1, default 0; so that requests overlap). Under an
ASGI server every request shares the worker's one event loop; under WSGI (``runserver``,
gunicorn's sync workers) Django gives each async view an event loop of its own.

``GET /ops/primes/?below=<n>`` counts primes with pure-Python CPU work *inside* the async view,
blocking the event loop for as long as that takes (deliberately, like ``legacy_price``);
``GET /ops/primes/pool/?below=<n>`` does the same work in a process pool and leaves the loop
free. Both answer ``{"below": n, "primes": count, "seconds": ..., "pid": ...}``, or 400.
"""

import asyncio
import math
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from django.http import HttpRequest, JsonResponse

from demo_project.json_errors import json_error, method_not_allowed

from .work import MAX_BELOW, count_primes

READ_METHODS = ("GET", "HEAD")
MAX_WAIT_SECONDS = 1.0
POOL_WORKERS = 2

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def process_pool() -> ProcessPoolExecutor:
    """This process's pool for CPU work, started on first use.

    "spawn" starts clean interpreters: forking a server that already runs threads can deadlock
    the child (Python 3.12 warns about it), and spawn works the same on every system.
    """
    global _pool
    with _pool_lock:
        if _pool is None:
            context = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(max_workers=POOL_WORKERS, mp_context=context)
        return _pool


def running_loop_id() -> int | None:
    try:
        return id(asyncio.get_running_loop())
    except RuntimeError:
        return None


# Where the request ran


async def where(request: HttpRequest) -> JsonResponse:
    """GET ?wait=: the process, thread and event loop that ran this view, and the interface."""
    if request.method not in READ_METHODS:
        return method_not_allowed(request, READ_METHODS)
    raw_wait = request.GET.get("wait", "0")
    try:
        wait = float(raw_wait)
    except ValueError:
        wait = math.nan
    # `not 0 <= wait` is also true for NaN, which compares false with everything.
    if not (math.isfinite(wait) and 0 <= wait <= MAX_WAIT_SECONDS):
        return json_error(
            f"wait must be a number of seconds from 0 to {MAX_WAIT_SECONDS:g}, not {raw_wait!r}",
            status=400,
        )
    await asyncio.sleep(wait)
    return JsonResponse(
        {
            "pid": os.getpid(),
            "thread": threading.current_thread().name,
            "loop": running_loop_id(),
            # ASGIRequest keeps the ASGI scope; a WSGI request has only its environ.
            "interface": "asgi" if hasattr(request, "scope") else "wsgi",
        }
    )


# CPU work


def read_below(request: HttpRequest) -> int:
    raw = request.GET.get("below", "")
    if not (raw.isascii() and raw.isdigit()) or not 2 <= int(raw) <= MAX_BELOW:
        raise ValueError(f"below must be a whole number from 2 to {MAX_BELOW}, not {raw!r}")
    return int(raw)


def primes_answer(below: int, count: int, started: float) -> JsonResponse:
    seconds = round(time.perf_counter() - started, 4)
    return JsonResponse({"below": below, "primes": count, "seconds": seconds, "pid": os.getpid()})


async def primes(request: HttpRequest) -> JsonResponse:
    """GET ?below=: count primes right here, blocking the event loop meanwhile (on purpose)."""
    if request.method not in READ_METHODS:
        return method_not_allowed(request, READ_METHODS)
    try:
        below = read_below(request)
    except ValueError as error:
        return json_error(str(error), status=400)
    started = time.perf_counter()
    return primes_answer(below, count_primes(below), started)


async def primes_in_pool(request: HttpRequest) -> JsonResponse:
    """GET ?below=: the same work in a process pool; the event loop stays free."""
    if request.method not in READ_METHODS:
        return method_not_allowed(request, READ_METHODS)
    try:
        below = read_below(request)
    except ValueError as error:
        return json_error(str(error), status=400)
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    count = await loop.run_in_executor(process_pool(), count_primes, below)
    return primes_answer(below, count, started)
