"""Assertions for test cells, with messages that teach.

Each helper raises ``AssertionError`` whose message says what was observed, what it means and
what to change, because that message is the feedback a student reads. Exceptions the view raised
are recognised (a sync ORM call, an awaited response, a forgotten ``await``) and explained.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from django.http import HttpResponseBase

from autograder import integrity as ref
from autograder.integrity import guarded
from autograder.runner import ViewCall, ViewRun
from autograder.upstream import FakeUpstream

# A loop that was blocked this long while the view ran means something in it did not await.
DEFAULT_STALL_LIMIT = 0.1


class CheckFailed(ref.TeachingFailure):
    """A test found that the student's code does not do what the exercise asks."""


def _short(value: object, limit: int = 300) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _body(call: ViewCall) -> str:
    content = getattr(call.response, "content", b"")
    try:
        return _short(content.decode())
    except (AttributeError, UnicodeDecodeError):
        return _short(content)


def _where(call: ViewCall) -> str:
    """The innermost line of the student's code in the traceback (not Django's or asyncio's)."""
    frames = list(call.where or ())
    own = [f for f in frames if "site-packages" not in f.filename and "/python3." not in f.filename]
    frame = (own or frames or [None])[-1]
    return f" (at line {frame.lineno}: `{frame.line}`)" if frame and frame.line else ""


def explain_exception(error: BaseException) -> str:
    """What an exception raised by a view usually means, in plain words."""
    name, text = type(error).__name__, str(error)
    if isinstance(error, NotImplementedError):
        return (
            "This answer has not been written yet: the view still runs the placeholder "
            "`raise NotImplementedError()`. Replace that line with your code, run the cell, then "
            "run this test again."
        )
    if name == "SynchronousOnlyOperation":
        return (
            "The view used the synchronous ORM (for example `.get()`, `.first()`, `.count()`, "
            "`.create()`, `.save()` or a `for` loop over a queryset) inside an async view. Django "
            "refuses that because it would block the event loop. Use the async API instead: "
            "`await Book.objects.aget(...)`, `.afirst()`, `.acount()`, `.acreate()`, `.asave()`, "
            "`async for book in Book.objects.all()`, or wrap a sync function in `sync_to_async`."
        )
    if isinstance(error, TypeError) and "can't be used in 'await' expression" in text:
        return (
            "The view awaited something that is not awaitable, such as the HttpResponse/"
            "JsonResponse itself. Only coroutines (the result of calling an `async def` function), "
            "tasks and futures can be awaited: `return JsonResponse(...)` without `await`."
        )
    if isinstance(error, TypeError) and "safe parameter to False" in text:
        return (
            "JsonResponse was given something that is not a dict. If it is a coroutine object, "
            "an async function was called without `await`; if it is a list, pass `safe=False`."
        )
    if isinstance(error, TypeError) and any(
        word in text for word in ("coroutine", "Future", "Task")
    ):
        return (
            "A coroutine (or future) ended up where a value was expected. That happens when an "
            "async function is called without `await` (`user = fetch_user(1)` instead of "
            "`user = await fetch_user(1)`)."
        )
    if isinstance(error, TimeoutError | ref.CancelledError):
        return (
            "The view did not finish in time. Something waits for too long, or forever: an "
            "upstream call without a timeout, or a wait on something that never finishes."
        )
    return "Read the error above; the line shown is where it happened in your code."


def teaching_failure(view_name: str, what: str, means: str, change: str = "") -> CheckFailed:
    """A CheckFailed saying what was observed, what it means and what to change."""
    parts = [f"{view_name}: {what}", f"What it means: {means}"]
    if change:
        parts.append(f"What to change: {change}")
    return CheckFailed("\n".join(parts))


@guarded
def assert_async_view(view: Callable, name: str | None = None) -> None:
    """The answer is an ``async def`` function taking ``request``."""
    name = name or getattr(view, "__name__", "the view")
    if not callable(view):
        raise teaching_failure(
            name,
            f"`{name}` is {view!r}, not a function.",
            "The answer cell did not define the view.",
            f"Define `async def {name}(request):` in the answer cell.",
        )
    if not ref.iscoroutinefunction(view):
        raise teaching_failure(
            name,
            f"`{name}` is a regular (synchronous) function.",
            "Django runs a sync view in a worker thread; this exercise is about async views, "
            "which the event loop runs and which can `await`.",
            f"Write `async def {name}(request):`.",
        )


@guarded
def assert_answered(call: ViewCall, view_name: str = "the view") -> None:
    """The view returned an HttpResponse instead of raising, timing out or forgetting an await."""
    if call.exception is not None:
        error = call.exception
        raise teaching_failure(
            view_name,
            f"for {call.label} it raised {type(error).__name__}: {_short(str(error))}"
            f"{_where(call)}.",
            explain_exception(error),
        )
    if ref.isawaitable(call.response):
        raise teaching_failure(
            view_name,
            f"for {call.label} it returned a coroutine object, not a response.",
            "The view called an async function and returned its coroutine without awaiting it.",
            "`return await helper(...)`, or better, await inside the view and return the response.",
        )
    if not isinstance(call.response, HttpResponseBase):
        raise teaching_failure(
            view_name,
            f"for {call.label} it returned {_short(call.response)} instead of a response.",
            "A Django view must return an HttpResponse.",
            "Return `JsonResponse({...})`.",
        )


@guarded
def assert_status(call: ViewCall, status: int, view_name: str = "the view", why: str = "") -> None:
    """The view answered ``call`` with ``status`` (explaining errors and wrong statuses)."""
    assert_answered(call, view_name)
    if call.status != status:
        raise teaching_failure(
            view_name,
            f"for {call.label} it answered {call.status} with body {_body(call)}; "
            f"expected {status}.",
            why or f"This request should get status {status}.",
        )


@guarded
def assert_json(call: ViewCall, expected: object, view_name: str = "the view", status: int = 200):
    """Status ``status`` and a JSON body equal to ``expected``."""
    assert_status(call, status, view_name)
    try:
        body = call.json()
    except ValueError:
        raise teaching_failure(
            view_name,
            f"for {call.label} the body is not JSON: {_body(call)}.",
            "The client expects JSON.",
            "Return a `JsonResponse`.",
        ) from None
    if body != expected:
        raise teaching_failure(
            view_name,
            f"for {call.label} it returned {_short(body)}; expected {_short(expected)}.",
            "The JSON body does not match what the exercise asks for.",
        )


@guarded
def assert_json_error(call: ViewCall, status: int, view_name: str = "the view", why: str = ""):
    """Status ``status`` and a JSON body ``{"error": "<non-empty text>"}``."""
    assert_status(call, status, view_name, why)
    try:
        body = call.json()
    except ValueError:
        body = None
    if not (isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]):
        raise teaching_failure(
            view_name,
            f"for {call.label} the body is {_body(call)}.",
            'An error response should tell the client what went wrong: {"error": "<reason>"}.',
            'Return `JsonResponse({"error": "..."}, status=...)`.',
        )


@guarded
def assert_all_answered(run: ViewRun, status: int = 200) -> None:
    """Every call of a run finished in time with ``status``; explains the first one that did not.

    A "never awaited" warning is the root cause of most other failures, so it is reported first.
    """
    if run.never_awaited:
        failed = next((c for c in run.calls if c.exception is not None), None)
        also = (
            f" Then {failed.label} raised {type(failed.exception).__name__}: "
            f"{_short(str(failed.exception))}."
            if failed
            else ""
        )
        raise teaching_failure(
            run.view_name,
            f"Python warned: {run.never_awaited[0]}.{also}",
            "An async function was called without `await`: you got a coroutine object instead "
            "of its result, and its code never ran.",
            "Put `await` in front of the call.",
        )
    for call in run.calls:
        assert_status(call, status, run.view_name)


@guarded
def assert_loop_never_blocked(run: ViewRun, limit: float = DEFAULT_STALL_LIMIT) -> None:
    """The event loop kept running while the view worked (no ``time.sleep``, sync I/O, CPU)."""
    if run.loop_stall_seconds > limit:
        raise teaching_failure(
            run.view_name,
            f"while it handled {len(run.calls)} request(s), the event loop was blocked for "
            f"{run.loop_stall_seconds:.2f} s at a stretch (allowed: {limit:.2f} s).",
            "Something in the view waits without giving the event loop back, so no other request "
            "can run meanwhile: `time.sleep`, a sync HTTP client (`httpx.get`, `requests`), a "
            "blocking library call, or a long CPU loop.",
            "`await asyncio.sleep(...)` instead of `time.sleep`, `httpx.AsyncClient` instead of a "
            "sync client, and `await asyncio.to_thread(fn, ...)` or "
            "`sync_to_async(fn, thread_sensitive=False)` for blocking functions you cannot change.",
        )


@guarded
def assert_views_overlapped(run: ViewRun, minimum: int | None = None) -> None:
    """At least ``minimum`` (default: all) calls of the view were in progress at the same time."""
    minimum = minimum or len(run.calls)
    if run.peak_in_flight < minimum:
        raise teaching_failure(
            run.view_name,
            f"{len(run.calls)} requests were started together, but at most {run.peak_in_flight} "
            f"were in progress at the same time (expected {minimum}).",
            "Each request ran to the end before the next could start: the view never gave the "
            "event loop a chance to switch, which is what a blocking call does.",
            "Wait with `await` (for example `await asyncio.sleep(...)`) instead of blocking.",
        )


@guarded
def assert_faster_than(run: ViewRun, seconds: float, one_by_one: float, what: str) -> None:
    """Wall-clock evidence: the run took under ``seconds`` where one at a time takes ``one_by_one``.

    Use with wide margins (e.g. half of ``one_by_one``); the verdict on concurrency should rest on
    overlap and stall checks, this one shows the student the numbers.
    """
    if not math.isfinite(run.elapsed) or run.elapsed >= seconds:
        raise teaching_failure(
            run.view_name,
            f"{what} took {run.elapsed:.2f} s; concurrent work would take under {seconds:.2f} s "
            f"(one at a time takes about {one_by_one:.2f} s).",
            "The waits happened one after another instead of at the same time.",
            "Start all the waits first and await them together (`asyncio.gather`, a `TaskGroup`).",
        )


@guarded
def assert_upstream_calls_overlapped(upstream: FakeUpstream, minimum: int, view_name: str) -> None:
    """At least ``minimum`` calls to the fake upstreams were in flight at the same time."""
    if not upstream.calls:
        raise teaching_failure(
            view_name,
            "it never called an upstream service.",
            "The view must fetch its data from the upstream services.",
            "Use the client from `upstream_client()` and `await client.get(url)`.",
        )
    if any(call.sync for call in upstream.calls):
        raise teaching_failure(
            view_name,
            "it called the upstream services with a synchronous HTTP client.",
            "A sync client blocks the event loop for the whole request; nothing else can run.",
            "Use `httpx.AsyncClient` (from `upstream_client()`) and `await client.get(url)`.",
        )
    if upstream.peak_in_flight < minimum:
        timeline = ", ".join(
            f"{call.url} {call.started - upstream.calls[0].started:.2f}-"
            f"{(call.ended or call.started) - upstream.calls[0].started:.2f} s"
            for call in upstream.calls
        )
        raise teaching_failure(
            view_name,
            f"it made {len(upstream.calls)} upstream calls, but at most {upstream.peak_in_flight} "
            f"were in flight at the same time (expected {minimum}). Timeline: {timeline}.",
            "Each call was awaited before the next one started (sequential awaits), so the "
            "waits add up instead of overlapping.",
            "Start every request first and await them together: "
            "`await asyncio.gather(client.get(a), client.get(b), ...)` or a `TaskGroup`.",
        )


def summary(run: ViewRun) -> str:
    """One line of evidence for the student: timings and what the loop did."""
    return (
        f"{run.view_name}: {len(run.calls)} request(s) in {run.elapsed:.2f} s, "
        f"{run.peak_in_flight} in progress at once, longest event-loop stall "
        f"{run.loop_stall_seconds * 1000:.0f} ms"
    )
