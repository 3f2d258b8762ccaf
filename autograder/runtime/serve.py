"""Serve the notebook's views over real HTTP (uvicorn, Django's ASGI handler), on a Unix socket.

A check never calls a student's view itself: it sends HTTP requests to this server and reads
the answers, like any client of a deployed Django site. The same server answers the judge (in
the grader's process, when a notebook is graded) and the Validate preview (in the kernel's own
process); only the client is elsewhere.

* :class:`NotebookViews` is Django's ``ASGIHandler`` (so sync views run in a thread, streaming
  responses stream, and a client that disconnects cancels the view, as in production), with two
  differences: instead of resolving a URL it calls the view named by the request's
  ``X-Autograder-View`` header, looked up in the notebook's namespace when the request arrives;
  and requests share the process's one thread for thread-sensitive ``sync_to_async`` calls, as
  views awaited in cells do, where production gives each request a ``ThreadSensitiveContext``
  (and so a thread) of its own. A view that raises, or returns
  something that is not a response, is answered 500 with a description of what happened
  (``X-Autograder-Outcome`` says which), so the check can explain it.
* Requests under ``/__autograder/`` describe the served names (defined? async?), report values
  the notebook holds (the practice answers), the warnings raised meanwhile ("coroutine ... was
  never awaited") and end a serving session (``done``).
* While it serves, a view that blocks the event loop for good (a ``threading.Lock`` held across
  an ``await``, a ``queue.Queue().get()`` on the loop's thread) can be broken out of: the judge
  sends :data:`UNBLOCK_SIGNAL`, and when the loop has not turned for a while the handler raises
  :class:`LoopBlocked` where the view waits, so the view fails (with the line it blocked at) and
  the kernel serves on. A signal while the loop turns does nothing.
* :func:`serve` is what the grader runs in the kernel at a test cell's turn: serve these views
  until the judge says done. The server itself stays up between sessions (starting uvicorn costs
  more than a check).

Everything here runs in the kernel and is untrusted while a notebook is graded: it is a way to
reach the views, not a witness. The judge decides from what it observes outside the kernel.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import json
import os
import signal
import tempfile
import threading
import time
import traceback
import warnings
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

from asgiref.sync import sync_to_async
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpResponse, HttpResponseBase

VIEW_HEADER = "X-Autograder-View"
OUTCOME_HEADER = "X-Autograder-Outcome"
CONTROL = "/__autograder/"
SESSION_LIMIT = 300.0  # a serving session ends by itself after this long (the judge is gone)
UNBLOCK_SIGNAL = signal.SIGUSR1
BEAT = 0.05  # the guard's heartbeat on the loop (seconds)
STUCK = 0.5  # a loop that has not turned for this long is blocked: the signal raises


class LoopBlocked(RuntimeError):
    """Raised where a view had blocked the event loop, when the grader broke the block."""


class _LoopGuard:
    """A heartbeat on the loop and a handler of UNBLOCK_SIGNAL that raises only when it stopped."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop, self.last = loop, time.monotonic()
        self.previous = signal.signal(UNBLOCK_SIGNAL, self._handle)
        self._timer = loop.call_later(BEAT, self._beat)

    @classmethod
    def install(cls) -> _LoopGuard | None:
        if threading.current_thread() is not threading.main_thread():
            return None  # signal handlers live in the main thread only
        return cls(asyncio.get_running_loop())

    def _beat(self) -> None:
        self.last = time.monotonic()
        self._timer = self.loop.call_later(BEAT, self._beat)

    def _handle(self, signum, frame) -> None:
        stuck = time.monotonic() - self.last
        if stuck > STUCK:
            self.last = time.monotonic()  # one raise per block
            raise LoopBlocked(f"this line had blocked the event loop for {stuck:.1f} s")

    def remove(self) -> None:
        self._timer.cancel()
        signal.signal(UNBLOCK_SIGNAL, self.previous)


def _frames(error: BaseException) -> list[list]:
    """The innermost frames of the student's code (not Django's, asyncio's or ours)."""
    frames = traceback.extract_tb(error.__traceback__)
    own = [
        f
        for f in frames
        if "site-packages" not in f.filename
        and "/python3." not in f.filename
        and "/autograder/" not in f.filename
    ]
    return [[f.filename, f.lineno, f.line or ""] for f in (own or frames)[-3:]]


def describe_exception(error: BaseException) -> dict:
    leaves = []
    if isinstance(error, BaseExceptionGroup):
        stack = list(error.exceptions)
        while stack:
            inner = stack.pop(0)
            if isinstance(inner, BaseExceptionGroup):
                stack.extend(inner.exceptions)
            else:
                leaves.append({"type": type(inner).__name__, "message": str(inner)[:500]})
    return {
        "type": type(error).__name__,
        "module": type(error).__module__,
        "message": str(error)[:2000],
        "where": _frames(error),
        # every frame's file, innermost last (a check tells atomic()'s error from the ORM's)
        "files": [frame.filename for frame in traceback.extract_tb(error.__traceback__)][-30:],
        "leaves": leaves,
    }


def _diagnostic(outcome: str, **details) -> HttpResponse:
    response = HttpResponse(
        json.dumps({"autograder": outcome, **details}, default=repr),
        status=500,
        content_type="application/json",
    )
    response[OUTCOME_HEADER] = outcome
    return response


def _kind(value: object) -> dict:
    if value is None:
        return {"defined": False}
    target = inspect.unwrap(value) if callable(value) else value
    return {
        "defined": True,
        "callable": callable(value),
        "coroutine_function": inspect.iscoroutinefunction(value)
        or inspect.iscoroutinefunction(target),
        "type": type(value).__name__,
    }


def _jsonable(value: object) -> dict:
    try:
        return {"defined": True, "json": json.loads(json.dumps(value))}
    except (TypeError, ValueError):
        return {"defined": True, "repr": repr(value)[:500]}


class NotebookViews(ASGIHandler):
    """Django's ASGI handler for the views of a notebook (see the module docstring)."""

    def __init__(self) -> None:
        base.BaseHandler.__init__(self)  # no middleware: the view is called as RequestFactory would
        self.namespace: dict = {}
        self.names: frozenset[str] = frozenset()
        self.done = asyncio.Event()
        self.token = ""  # names the current serving session (the judge waits for its own)
        self.caught: list = []  # warnings.catch_warnings(record=True) of the serving session
        self.guarded = False  # a loop guard answers UNBLOCK_SIGNAL during this session

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return
        if scope["type"] == "http" and scope["path"].startswith(CONTROL):
            return await self._control(scope, receive, send)
        # ASGIHandler.__call__ without its ThreadSensitiveContext: thread-sensitive
        # sync_to_async calls share the process's one thread, as they do when a view is awaited
        # in a cell (and as the lessons show), instead of a thread started for every request.
        return await self.handle(scope, receive, send)

    # --- the views -------------------------------------------------------------------------------

    async def get_response_async(self, request):
        name = request.headers.get(VIEW_HEADER, "")
        if name not in self.names:
            return _diagnostic("not-served", name=name)
        view = self.namespace.get(name)
        if view is None:
            return _diagnostic("missing", name=name)
        if not callable(view):
            return _diagnostic("not-callable", name=name, value=repr(view)[:300])
        try:
            if inspect.iscoroutinefunction(view) or inspect.iscoroutinefunction(
                inspect.unwrap(view)
            ):
                result = await view(request)
            else:  # what Django does with a sync view under ASGI: a thread
                result = await sync_to_async(view, thread_sensitive=True)(request)
            if inspect.isawaitable(result):  # an async view returned by a sync function, say
                if isinstance(result, HttpResponseBase):
                    return result
                if hasattr(result, "close"):
                    result.close()  # never awaited: close it, or Python warns later
                return _diagnostic("returned", value=repr(result)[:300], awaitable=True)
        except Exception as error:  # the student's error is what the check explains
            return _diagnostic("exception", exception=describe_exception(error))
        if not isinstance(result, HttpResponseBase):
            return _diagnostic("returned", value=repr(result)[:300], awaitable=False)
        result[OUTCOME_HEADER] = "response"
        return result

    # --- control requests ----------------------------------------------------------------------

    async def _control(self, scope, receive, send):
        while (await receive()).get("more_body"):
            pass
        action = scope["path"][len(CONTROL) :]
        if action == "ping":  # the judge's heartbeat: answer at once, nothing else
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        query = dict(
            part.split("=", 1) for part in scope["query_string"].decode().split("&") if "=" in part
        )
        names = [n for n in query.get("names", "").split(",") if n]
        if action == "describe":
            body = {name: _kind(self.namespace.get(name)) for name in names}
        elif action == "values":
            body = {
                name: _jsonable(self.namespace[name]) if name in self.namespace else
                {"defined": False}
                for name in names
            }  # fmt: skip
        elif action == "warnings":
            gc.collect()  # coroutines dropped without await warn when they are collected
            body = {"warnings": [f"{w.category.__name__}: {w.message}" for w in self.caught]}
            self.caught.clear()
        elif action == "session":
            body = {"token": self.token, "names": sorted(self.names), "guarded": self.guarded}
        elif action == "done":
            self.done.set()
            body = {"done": True}
        else:
            body = {"error": f"unknown request {action!r}"}
        data = json.dumps(body, default=repr).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": data})


class _Server:
    """uvicorn on a Unix socket, on the running loop, without touching signals or logging."""

    def __init__(self, app: NotebookViews, path: str) -> None:
        import uvicorn

        class QuietServer(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self):  # the kernel's SIGINT (interrupt) stays the kernel's
                yield

        self.app, self.path = app, path
        config = uvicorn.Config(app, uds=path, lifespan="off", log_config=None,
                                log_level="warning", access_log=False, http="h11", ws="none",
                                timeout_keep_alive=60)  # fmt: skip
        self.server = QuietServer(config)
        self.loop = asyncio.get_running_loop()
        self.task: asyncio.Task | None = None

    async def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self.task = self.loop.create_task(self.server.serve(), name="autograder-view-server")
        for _ in range(2000):
            if self.server.started:
                return
            if self.task.done():
                self.task.result()
                raise RuntimeError("the view server stopped while starting")
            await asyncio.sleep(0.005)
        raise RuntimeError("the view server did not start within 10 s")

    @property
    def alive(self) -> bool:
        return (
            self.task is not None
            and not self.task.done()
            and self.loop is asyncio.get_running_loop()
            and os.path.exists(self.path)
        )


_servers: dict[str, _Server] = {}


async def stop_servers() -> None:
    """Stop this loop's view servers (for code that ends its loop, like a test's asyncio.run)."""
    loop = asyncio.get_running_loop()
    for path, server in list(_servers.items()):
        if server.loop is loop and server.task is not None and not server.task.done():
            server.server.should_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.task, 5)
        _servers.pop(path, None)


async def _server_at(path: str) -> _Server:
    server = _servers.get(path)
    if server is None or not server.alive:
        server = _servers[path] = _Server(NotebookViews(), path)
        await server.start()
    return server


@contextlib.asynccontextmanager
async def session(path: str, namespace: dict, views: Iterable[str], token: str = "",
                  constants: dict | None = None, values: Iterable[str] = (),
                  clear_cache: bool = False,
                  freeze: bool = False) -> AsyncIterator[NotebookViews]:  # fmt: skip
    """Serve ``views`` (names in ``namespace``) at ``path`` for the duration of the block.

    ``constants`` are provided names put back to their documented values meanwhile; ``values``
    are names whose values the client may read (answers that are data, not views);
    ``clear_cache`` empties Django's default cache first (a check that needs cold entries);
    ``freeze``: what lives when the session starts is left out of later garbage collections
    (only for a process that ends soon, as a grading kernel does with its notebook).
    """
    saved = {name: namespace.get(name, _MISSING) for name in constants or {}}
    namespace.update(constants or {})
    try:
        if clear_cache:
            from django.core.cache import caches

            await caches["default"].aclear()
        async with _serving(path, namespace, views, values, token, freeze) as app:
            yield app
    finally:
        for name, value in saved.items():
            if value is _MISSING:
                namespace.pop(name, None)
            else:
                namespace[name] = value


_MISSING = object()


@contextlib.asynccontextmanager
async def _serving(path: str, namespace: dict, views: Iterable[str], values: Iterable[str],
                   token: str, freeze: bool):  # fmt: skip
    server = await _server_at(path)
    app = server.app
    views = frozenset(views)
    app.namespace, app.names, app.done = namespace, views | set(values), asyncio.Event()
    app.token = token
    gc_was_enabled = gc.isenabled()
    if views:  # (sessions that only report values need neither)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("ignore")
            gc.collect()  # what earlier cells left to collect (and its warnings) is not the view's
        if freeze:
            # What survived lives until the kernel ends (Django, the notebook's definitions):
            # the collections during the session (the warnings' gc.collect()) need only walk
            # what the requests made. Not in a preview: a student's kernel lives on, and cycles
            # frozen now would never be collected.
            gc.freeze()
        gc.disable()  # a collection pause is not the view's doing; collect between requests instead
    guard = _LoopGuard.install() if views else None
    app.guarded = guard is not None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app.caught = caught
        try:
            yield app
        finally:
            app.names, app.token, app.guarded = frozenset(), "", False
            if guard is not None:
                guard.remove()
            if gc_was_enabled:
                gc.enable()


async def serve(path: str, views: Iterable[str], token: str = "", constants: dict | None = None,
                values: Iterable[str] = (), namespace: dict | None = None,
                limit: float = SESSION_LIMIT, clear_cache: bool = False) -> None:  # fmt: skip
    """Serve ``views`` at ``path`` until the client says done (what the grader runs in a kernel)."""
    if namespace is None:
        namespace = inspect.currentframe().f_back.f_globals
    async with session(
        path, namespace, views, token, constants, values, clear_cache, freeze=True
    ) as app:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(app.done.wait(), limit)


def preview_socket() -> str:
    """A socket path for this process's own previews."""
    global _preview_path
    if _preview_path is None:
        folder = tempfile.mkdtemp(prefix="autograder-views-")
        _preview_path = str(Path(folder) / "views.sock")
    return _preview_path


_preview_path: str | None = None
