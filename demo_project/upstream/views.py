"""A fake upstream service, so lessons can call "other services" without internet access.

``GET /upstream/<service>/?delay=<seconds>&status=<code>`` waits ``delay`` seconds (0 to 10,
default 0), then answers ``status`` (200 to 599, default 200) with
``{"service": ..., "delay": ..., "status": ...}``, plus ``"error"`` when the status is 400 or more.
Bad parameters get a 400 ``{"error": ...}`` at once, without waiting.
"""

import asyncio
import math
import time

from django.http import HttpRequest, HttpResponse, JsonResponse

from demo_project.json_errors import json_error, method_not_allowed

READ_METHODS = ("GET", "HEAD")
MAX_DELAY_SECONDS = 10.0
MIN_STATUS = 200
MAX_STATUS = 599
# HTTP forbids a body in these answers (servers like uvicorn refuse to send one).
STATUSES_WITHOUT_BODY = frozenset({204, 205, 304})


class BadUpstreamParameter(ValueError):
    """A bad ``?delay=`` or ``?status=``; str() says what is wrong with it."""


def read_delay_and_status(request: HttpRequest) -> tuple[float, int]:
    """Parse and check ``?delay=`` and ``?status=``; raise BadUpstreamParameter if either is bad."""
    raw_delay = request.GET.get("delay", "0")
    try:
        delay = float(raw_delay)
    except ValueError:
        delay = math.nan
    # `not 0 <= delay` is also true for NaN, which compares false with everything.
    if not (math.isfinite(delay) and 0 <= delay <= MAX_DELAY_SECONDS):
        raise BadUpstreamParameter(
            f"delay must be a number of seconds from 0 to {MAX_DELAY_SECONDS:g}, not {raw_delay!r}"
        )

    raw_status = request.GET.get("status", "200")
    # isascii() too, because isdigit() and int() also accept digits of other scripts.
    if not (raw_status.isascii() and raw_status.isdigit()) or not (
        MIN_STATUS <= int(raw_status) <= MAX_STATUS
    ):
        raise BadUpstreamParameter(
            f"status must be a whole number from {MIN_STATUS} to {MAX_STATUS}, not {raw_status!r}"
        )
    # abs(): "-0" is a valid delay, but its answer should not say -0.0.
    return abs(delay), int(raw_status)


def upstream_answer(service: str, delay: float, status: int) -> HttpResponse:
    """The answer once the delay is over, shared by the async and the sync view."""
    if status in STATUSES_WITHOUT_BODY:
        return HttpResponse(status=status)
    answer = {"service": service, "delay": delay, "status": status}
    if status >= 400:
        answer["error"] = f"upstream {service!r} failed with status {status}, as asked"
    return JsonResponse(answer, status=status)


async def upstream(request: HttpRequest, service: str) -> HttpResponse:
    """The fake upstream: waits with ``asyncio.sleep``, so the event loop stays free meanwhile."""
    if request.method not in READ_METHODS:
        return method_not_allowed(request, READ_METHODS)
    try:
        delay, status = read_delay_and_status(request)
    except BadUpstreamParameter as error:
        return json_error(str(error), status=400)
    await asyncio.sleep(delay)
    return upstream_answer(service, delay, status)


def upstream_sync(request: HttpRequest, service: str) -> HttpResponse:
    """The same fake upstream as a plain sync view that blocks with ``time.sleep``.

    It exists so a lesson can put the two under the same load and compare: under ASGI, Django
    runs a sync view in a worker thread, and that thread is held for the whole delay, while the
    async view only parks a coroutine on the event loop.
    """
    if request.method not in READ_METHODS:
        return method_not_allowed(request, READ_METHODS)
    try:
        delay, status = read_delay_and_status(request)
    except BadUpstreamParameter as error:
        return json_error(str(error), status=400)
    time.sleep(delay)
    return upstream_answer(service, delay, status)
