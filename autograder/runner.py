"""Run a student's view under observation and report what happened.

``await run_view(view, requests)`` calls the view once per request, all at the same time, through
Django's ``RequestFactory``, while a heartbeat watches the event loop. It never raises because of
the student's code: exceptions, a coroutine returned instead of a response, output written to
stdout or stderr and "never awaited" warnings are all caught and recorded in the :class:`ViewRun`,
which the assertion helpers in ``autograder.checks`` turn into teaching messages.
"""

from __future__ import annotations

import contextlib
import io
import json
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponseBase
from django.test import RequestFactory

from autograder import integrity as ref
from autograder.integrity import guarded
from autograder.loop_watch import LoopStallDetector, Stall

DEFAULT_TIME_LIMIT = 10.0


@dataclass
class ViewCall:
    """One request given to the view and what came back."""

    request: HttpRequest
    started: float = 0.0
    ended: float | None = None
    response: object = None  # whatever the view returned (normally an HttpResponse)
    exception: BaseException | None = None
    where: traceback.StackSummary | None = None  # where the exception was raised

    @property
    def label(self) -> str:
        return f"{self.request.method} {self.request.get_full_path()}"

    @property
    def status(self) -> int | None:
        return self.response.status_code if isinstance(self.response, HttpResponseBase) else None

    def json(self) -> object:
        """The response body parsed as JSON (raises ValueError when it is not JSON)."""
        return ref.json_loads(self.response.content)


@dataclass
class ViewRun:
    """Everything observed while a view handled a batch of requests."""

    view_name: str
    calls: list[ViewCall]
    elapsed: float = 0.0
    peak_in_flight: int = 0
    loop_stall_seconds: float = 0.0
    stalls: list[Stall] = field(default_factory=list)
    timed_out: bool = False
    time_limit: float = DEFAULT_TIME_LIMIT
    stdout: str = ""
    stderr: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def call(self) -> ViewCall:
        """The only call, for runs of a single request."""
        return self.calls[0]

    @property
    def never_awaited(self) -> list[str]:
        return [w for w in self.warnings if "was never awaited" in w]


def build_request(spec: str | HttpRequest, *, json_body: object = None) -> HttpRequest:
    """A request from a path (GET), a ready HttpRequest, or a path plus a JSON body (POST)."""
    if isinstance(spec, HttpRequest):
        return spec
    factory = RequestFactory()
    if json_body is not None:
        return factory.post(spec, data=json.dumps(json_body), content_type="application/json")
    return factory.get(spec)


async def _call_view(view: Callable, call: ViewCall, run: ViewRun, counter: list[int]) -> None:
    counter[0] += 1
    run.peak_in_flight = max(run.peak_in_flight, counter[0])
    call.started = ref.perf_counter()
    try:
        result = view(call.request)
        # An async view returns a coroutine; a sync one returns the response directly.
        call.response = await result if ref.isawaitable(result) else result
        if ref.isawaitable(call.response):
            # The view returned an un-awaited coroutine: close it so Python does not warn later.
            close = getattr(call.response, "close", None)
            if close:
                close()
    except ref.CancelledError:
        call.exception = TimeoutError(f"cancelled after the {run.time_limit:g} s time limit")
    except Exception as error:  # the student's error is data for the report, not a crash
        # Keep a frame-free summary: the frames' locals (an un-awaited coroutine, say) must be
        # freed now, inside this run, not whenever the exception object goes away.
        call.where = traceback.extract_tb(error.__traceback__)
        call.exception = error.with_traceback(None)
    finally:
        call.ended = ref.perf_counter()
        counter[0] -= 1


@guarded
async def run_view(
    view: Callable,
    requests: Iterable[str | HttpRequest],
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> ViewRun:
    """Call ``view`` once per request, all concurrently, and report what happened.

    ``requests`` are paths for GET requests (``"/?name=Ada"``) or ready ``HttpRequest`` objects.
    """
    calls = [ViewCall(build_request(spec)) for spec in requests]
    run = ViewRun(
        view_name=getattr(view, "__name__", repr(view)), calls=calls, time_limit=time_limit
    )
    out, err, in_flight = io.StringIO(), io.StringIO(), [0]
    with contextlib.ExitStack() as stack:
        stack.enter_context(ref.redirect_stdout(out))
        stack.enter_context(ref.redirect_stderr(err))
        caught = stack.enter_context(ref.catch_warnings(record=True))
        ref.simplefilter("always")
        started = ref.perf_counter()
        async with LoopStallDetector() as watch:
            tasks = [ref.create_task(_call_view(view, call, run, in_flight)) for call in calls]
            done, pending = await ref.wait(tasks, timeout=time_limit)
            for task in pending:
                task.cancel()
            if pending:
                run.timed_out = True
                await ref.wait(pending, timeout=1.0)
        run.elapsed = ref.perf_counter() - started
        # Coroutines created and dropped by the view warn when collected: collect them here, so
        # the warning is recorded for this view instead of landing on stderr in a later cell.
        ref.gc_collect()
    run.loop_stall_seconds, run.stalls = watch.longest_stall, watch.stalls
    run.stdout, run.stderr = out.getvalue(), err.getvalue()
    run.warnings = [f"{w.category.__name__}: {w.message}" for w in caught]
    return run


async def run_once(view: Callable, request: str | HttpRequest, **kwargs) -> ViewCall:
    """Run one request and return its :class:`ViewCall` (see :func:`run_view`)."""
    return (await run_view(view, [request], **kwargs)).call


async def try_view(view: Callable, request: str | HttpRequest, *, json_body: object = None):
    """Run a view once and print what happened, for "try it" cells.

    Prints the status and body (or the exception), with anything the view printed and any
    warning it caused, such as "coroutine ... was never awaited" — caught here instead of
    surfacing on stderr in some later cell.
    """
    run = await run_view(view, [build_request(request, json_body=json_body)])
    call = run.call
    for line in run.stdout.splitlines() + [f"[stderr] {x}" for x in run.stderr.splitlines()]:
        print(f"  {line}")
    if call.exception is not None:
        print(f"{call.label} raised {type(call.exception).__name__}: {call.exception}")
    elif ref.isawaitable(call.response):
        print(f"{call.label} returned a coroutine, not a response (a missing await?)")
    elif isinstance(call.response, HttpResponseBase):
        body = getattr(call.response, "content", b"").decode(errors="replace")
        print(f"{call.label} -> {call.status} {body}  ({run.elapsed:.2f} s)")
    else:
        print(f"{call.label} returned {call.response!r}, not a response")
    for warning in run.warnings:
        print(f"  warning: {warning}")
