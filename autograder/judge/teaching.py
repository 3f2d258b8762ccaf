"""Verdicts that teach: what was observed, what it means, what to change.

A check fails by raising :class:`CheckFailed` whose message is the feedback a student reads. The
helpers here turn what the judge observed of a view (its replies, the services' call log, the
loop's stalls) into those messages; an exception the view raised is recognised by its type and
text (a sync ORM call, an awaited response, a forgotten ``await``) and explained.
"""

from __future__ import annotations

import json
import math
import textwrap

from autograder.judge.client import Reply
from autograder.judge.observe import COMPUTING
from autograder.runtime.simulated.services import CallLog

# A loop that was blocked this long while the view ran means something in it did not await.
DEFAULT_STALL_LIMIT = 0.1
# A loop thread that computes is charged its CPU time, and on a loaded machine the same Python
# work costs two to three times the CPU time. A loop that turns through many short callbacks
# (five requests' Django handling) passes through epoll_wait with a zero timeout between them,
# too briefly for the 4 ms sampler to see, so a saturated loop looks like one stretch: CI charged
# right answers 0.11-0.16 s, then 0.31 and 0.33 s. A right answer never makes a blocking call, so
# those keep the tight limit; running code is allowed this much.
COMPUTING_STALL_LIMIT = 0.5


# nbgrader's Validate dialog shows a failed cell's traceback in a box about this many characters
# wide; a longer line makes the student scroll sideways to read the message.
TRACEBACK_WIDTH = 88


def traceback_lines(name: str, message: str) -> list[str]:
    """``name: message`` as a traceback's lines: each part wrapped to fit the dialog."""
    lines = []
    for part in f"{name}: {message}".splitlines():
        lines += textwrap.wrap(part, TRACEBACK_WIDTH, subsequent_indent="  ",
                               break_long_words=False, break_on_hyphens=False) or [""]  # fmt: skip
    return lines


class CheckFailed(AssertionError):
    """A test found that the student's code does not do what the exercise asks.

    ``str()`` is one line per part (for tests and logs); IPython, in the notebook and in the
    Validate dialog, shows :meth:`_render_traceback_` instead of the checks' frames.
    """

    def _render_traceback_(self) -> list[str]:
        return traceback_lines(type(self).__name__, str(self))


def teaching_failure(view_name: str, what: str, means: str, change: str = "") -> CheckFailed:
    """A CheckFailed saying what was observed, what it means and what to change."""
    parts = [f"{view_name}: {what}", f"What it means: {means}"]
    if change:
        parts.append(f"What to change: {change}")
    return CheckFailed("\n".join(parts))


def short(value: object, limit: int = 200) -> str:
    """A value as the student would see it in JSON, shortened."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def body_of(reply: Reply) -> object:
    try:
        return reply.json()
    except ValueError:
        return reply.text()


def where(reply: Reply) -> str:
    """The innermost line of the student's code that raised, if the server said."""
    frames = (reply.exception or {}).get("where") or []
    if frames and frames[-1][2]:
        return f" (at line {frames[-1][1]}: `{frames[-1][2]}`)"
    return ""


def raised(reply: Reply) -> str:
    """``SynchronousOnlyOperation: You cannot call this ...`` for a reply whose view raised."""
    error = reply.exception or {}
    return f"{error.get('type', 'an exception')}: {short(error.get('message', ''), 300)}"


def explain_exception(name: str, text: str) -> str:
    """What an exception raised by a view usually means, in plain words."""
    if name == "NotImplementedError":
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
    if name == "TypeError" and "can't be used in 'await' expression" in text:
        return (
            "The view awaited something that is not awaitable, such as the HttpResponse/"
            "JsonResponse itself. Only coroutines (the result of calling an `async def` function), "
            "tasks and futures can be awaited: `return JsonResponse(...)` without `await`."
        )
    if name == "TypeError" and "safe parameter to False" in text:
        return (
            "JsonResponse was given something that is not a dict. If it is a coroutine object, "
            "an async function was called without `await`; if it is a list, pass `safe=False`."
        )
    if name == "TypeError" and any(word in text for word in ("coroutine", "Future", "Task")):
        return (
            "A coroutine (or future) ended up where a value was expected. That happens when an "
            "async function is called without `await` (`user = fetch_user(1)` instead of "
            "`user = await fetch_user(1)`)."
        )
    if name == "RuntimeError" and "AsyncToSync" in text:
        return (
            "`async_to_sync` (or Django's sync test Client) was used inside a running event "
            "loop. In async code, await the async function directly."
        )
    if name in ("TimeoutError", "CancelledError"):
        return (
            "The view did not finish in time. Something waits for too long, or forever: an "
            "upstream call without a timeout, or a wait on something that never finishes."
        )
    return "Read the error above; the line shown is where it happened in your code."


def assert_async_view(kind: dict, name: str) -> None:
    """The answer is an ``async def`` function (from the served view's description)."""
    if not kind.get("defined"):
        raise teaching_failure(
            name,
            f"there is no `{name}` in the notebook.",
            "The answer cell did not define the view, or it was not run before this test.",
            f"Define `async def {name}(request):` in the answer cell and run it.",
        )
    if not kind.get("callable"):
        raise teaching_failure(
            name,
            f"`{name}` is a {kind.get('type')}, not a function.",
            "The answer cell did not define the view.",
            f"Define `async def {name}(request):` in the answer cell.",
        )
    if not kind.get("coroutine_function"):
        raise teaching_failure(
            name,
            f"`{name}` is a regular (synchronous) function.",
            "Django runs a sync view in a worker thread; this exercise is about async views, "
            "which the event loop runs and which can `await`.",
            f"Write `async def {name}(request):`.",
        )


def assert_answered(reply: Reply, view_name: str) -> None:
    """The view returned an HttpResponse instead of raising, timing out or forgetting an await."""
    if reply.outcome == "response":
        return
    if reply.outcome == "timeout":
        raise teaching_failure(
            view_name,
            f"for {reply.label} no answer came within {reply.seconds:.1f} s.",
            explain_exception("TimeoutError", ""),
        )
    if reply.outcome == "exception":
        name = (reply.exception or {}).get("type", "")
        raise teaching_failure(
            view_name,
            f"for {reply.label} it raised {raised(reply)}{where(reply)}.",
            explain_exception(name, (reply.exception or {}).get("message", "")),
        )
    if reply.outcome == "returned":
        value = reply.details.get("value", "")
        if reply.details.get("awaitable") or "coroutine" in value:
            raise teaching_failure(
                view_name,
                f"for {reply.label} it returned {short(value, 120)} instead of a response.",
                "An async function was called without `await`, and its coroutine object was "
                "returned instead of the response it would have made.",
                "Put `await` in front of the call.",
            )
        raise teaching_failure(
            view_name,
            f"for {reply.label} it returned {short(value, 120)}, not an HttpResponse.",
            "A Django view must return a response object.",
            "Return `JsonResponse({...})`.",
        )
    if reply.outcome in ("missing", "not-callable"):
        raise teaching_failure(
            view_name,
            f"there is no function `{view_name}` in the notebook when this test runs.",
            "The answer cell was not run, or it defines another name.",
            f"Define `async def {view_name}(request):` and run its cell first.",
        )
    raise teaching_failure(
        view_name,
        f"the notebook did not answer {reply.label} ({reply.details.get('error', reply.outcome)}).",
        "The kernel stopped serving the notebook's views: an earlier cell may have broken the "
        "event loop or exited.",
        "Restart the kernel and run all cells; every cell before this test must run cleanly.",
    )


def assert_status(reply: Reply, status: int, view_name: str, why: str = "") -> None:
    assert_answered(reply, view_name)
    if reply.status != status:
        raise teaching_failure(
            view_name,
            f"for {reply.label} it answered {reply.status} with body {reply.text()}; "
            f"expected {status}.",
            why or f"This request should get status {status}.",
        )


def assert_json(reply: Reply, expected: object, view_name: str, status: int = 200) -> None:
    """Status ``status`` and a JSON body equal to ``expected``."""
    assert_status(reply, status, view_name)
    try:
        body = reply.json()
    except ValueError:
        raise teaching_failure(
            view_name,
            f"for {reply.label} the body is not JSON: {reply.text()}.",
            "The client expects JSON.",
            "Return a `JsonResponse`.",
        ) from None
    if body != expected:
        raise teaching_failure(
            view_name,
            f"for {reply.label} it returned {short(body)}; expected {short(expected)}.",
            "The JSON body does not match what the exercise asks for.",
        )


def assert_json_error(reply: Reply, status: int, view_name: str, why: str = "") -> None:
    """Status ``status`` and a JSON body ``{"error": "<non-empty text>"}``."""
    assert_status(reply, status, view_name, why)
    try:
        body = reply.json()
    except ValueError:
        body = None
    if not (isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]):
        raise teaching_failure(
            view_name,
            f"for {reply.label} the body is {reply.text()}.",
            'An error response should tell the client what went wrong: {"error": "<reason>"}.',
            'Return `JsonResponse({"error": "..."}, status=...)`.',
        )


def assert_no_unawaited(
    warnings: list[str], view_name: str, replies: list[Reply], only_if_failed: bool = False
) -> None:
    """A "coroutine ... was never awaited" warning is the root cause of most other failures.

    ``only_if_failed``: report it only when a reply is not a plain response (a check of what
    the view answers passes a view whose answers are right, warning or not).
    """
    never = [w for w in warnings if "was never awaited" in w]
    if not never or (only_if_failed and all(r.outcome == "response" for r in replies)):
        return
    failed = next((r for r in replies if r.outcome == "exception"), None)
    also = f" Then {failed.label} raised {raised(failed)}." if failed else ""
    raise teaching_failure(
        view_name,
        f"Python warned: {never[0]}.{also}",
        "An async function was called without `await`: you got a coroutine object instead of "
        "its result, and its code never ran.",
        "Put `await` in front of the call.",
    )


def assert_loop_never_blocked(
    stall: float, view_name: str, count: int, limit: float = DEFAULT_STALL_LIMIT, what: str = ""
) -> None:
    """The event loop kept running while the view worked (no ``time.sleep``, sync I/O, CPU)."""
    if what == COMPUTING:
        limit = max(limit, COMPUTING_STALL_LIMIT)
    if stall > limit:
        seen = f" (its thread was {what})" if what else ""
        raise teaching_failure(
            view_name,
            f"while it handled {count} request(s), the event loop was blocked for "
            f"{stall:.2f} s at a stretch{seen} (allowed: {limit:.2f} s).",
            "Something in the view waits without giving the event loop back, so no other request "
            "can run meanwhile: `time.sleep`, a sync HTTP client (`httpx.get`, `requests`), a "
            "blocking library call, or a long CPU loop.",
            "`await asyncio.sleep(...)` instead of `time.sleep`, `httpx.AsyncClient` instead of a "
            "sync client, and `await asyncio.to_thread(fn, ...)` or "
            "`sync_to_async(fn, thread_sensitive=False)` for blocking functions you cannot change.",
        )


def assert_faster_than(elapsed: float, seconds: float, one_by_one: float, what: str,
                       view_name: str) -> None:  # fmt: skip
    """Wall-clock evidence, with a wide margin: the run took under ``seconds``."""
    if not math.isfinite(elapsed) or elapsed >= seconds:
        raise teaching_failure(
            view_name,
            f"{what} took {elapsed:.2f} s; concurrent work would take under {seconds:.2f} s "
            f"(one at a time takes about {one_by_one:.2f} s).",
            "The waits happened one after another instead of at the same time.",
            "Start all the waits first and await them together (`asyncio.gather`, a `TaskGroup`).",
        )


def assert_calls_overlapped(log: CallLog, minimum: int, view_name: str) -> None:
    """At least ``minimum`` calls to the services were in flight at the same time."""
    calls = log.calls
    if not calls:
        raise teaching_failure(
            view_name,
            "it never called an upstream service.",
            "The view must fetch its data from the upstream services.",
            "Use the client from `upstream_client()` and `await client.get(url)`.",
        )
    peak = log.peak_overlap()
    if peak < minimum:
        raise teaching_failure(
            view_name,
            f"it made {len(calls)} upstream calls, but at most {peak} were in flight at the same "
            f"time (expected {minimum}). Timeline: {log.timeline()}.",
            "Each call was awaited before the next one started (sequential awaits), so the "
            "waits add up instead of overlapping.",
            "Start every request first and await them together: "
            "`await asyncio.gather(client.get(a), client.get(b), ...)` or a `TaskGroup`.",
        )
