"""``await try_view(view, "/path/?a=1")``: run a view once and print what happened.

For "try it" cells in lessons and assignments. It prints the status and the body (or the
exception the view raised), how long it took, anything the view printed, and any warning it
caused, such as "coroutine ... was never awaited", which would otherwise surface on stderr in
some later cell. A streaming response is read as a client reads it: each part is printed when
it arrives, with the time since the request. It never raises because of the view.
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import io
import json
import time
import warnings
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.test import RequestFactory


def build_request(spec: str | HttpRequest, *, json_body: object = None) -> HttpRequest:
    """A request from a path (GET), a ready HttpRequest, or a path plus a JSON body (POST)."""
    if isinstance(spec, HttpRequest):
        return spec
    factory = RequestFactory()
    if json_body is not None:
        return factory.post(spec, data=json.dumps(json_body), content_type="application/json")
    return factory.get(spec)


async def try_view(view: Callable, request: str | HttpRequest, *, json_body: object = None):
    """Run ``view`` once on ``request`` and print what happened (see the module docstring)."""
    request = build_request(request, json_body=json_body)
    label = f"{request.method} {request.get_full_path()}"
    out, err = io.StringIO(), io.StringIO()
    response = error = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        started = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                response = view(request)
                if inspect.isawaitable(response) and not isinstance(response, HttpResponseBase):
                    response = await response
            except Exception as exc:  # what the view raised is what this cell shows
                # Without its traceback: the view's frames (and an un-awaited coroutine in
                # them) are freed now, so Python's warning about it is shown here, not later.
                error = exc.with_traceback(None)
            elapsed = time.perf_counter() - started
            if inspect.iscoroutine(response):
                response.close()  # returned without await: close it so Python does not warn
                response = "a coroutine"
            streaming = isinstance(response, HttpResponseBase) and response.streaming
            if not streaming:  # (a stream is read first: a collection would delay its parts)
                gc.collect()  # coroutines dropped without await warn when collected: now
    for line in out.getvalue().splitlines() + [
        f"[stderr] {x}" for x in err.getvalue().splitlines()
    ]:
        print(f"  {line}")
    if error is not None:
        print(f"{label} raised {type(error).__name__}: {error}")
    elif response == "a coroutine":
        print(f"{label} returned a coroutine, not a response (a missing await?)")
    elif streaming:
        print(f"{label} -> {response.status_code} {response.get('Content-Type', '')}, streaming "
              f"(the view returned after {elapsed:.2f} s)")  # fmt: skip
        with warnings.catch_warnings(record=True) as streamed:
            warnings.simplefilter("always")
            try:
                async for part in response:
                    print(f"  {time.perf_counter() - started:5.2f} s  {part!r}")
            except Exception as exc:  # what the stream raised is what this cell shows
                print(f"  the stream raised {type(exc).__name__}: {exc}")
            print(f"  the stream ended after {time.perf_counter() - started:.2f} s")
            gc.collect()
        caught.extend(streamed)
    elif isinstance(response, HttpResponseBase):
        body = getattr(response, "content", b"").decode(errors="replace")
        print(f"{label} -> {response.status_code} {body}  ({elapsed:.2f} s)")
    else:
        print(f"{label} returned {response!r}, not a response")
    for warning in caught:
        print(f"  warning: {warning.category.__name__}: {warning.message}")
