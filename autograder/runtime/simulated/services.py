"""Simulated upstream services that record what really happened to every call.

``Services`` answers for many fake hosts (``weather.example``, ``eu.mirror.example``, ...), each
on a Unix socket of its own in one folder. A :class:`Route` says what one resource does: wait
``delay`` seconds, then answer a status and JSON, or fail the way real services fail. Every call
is recorded in a :class:`CallLog` with when it arrived, when it ended and how (answered,
cancelled by the caller, dropped), so a check knows which calls overlapped, which were cancelled
and which were still running when a view answered: facts, not guesses from wall-clock time.

The services run on an event loop of their own in a background thread (:class:`ServicesThread`),
so that they keep answering on time while the code under test blocks its own loop. The judge
runs one for each graded notebook, out of the kernel's reach; in a student's kernel the
practice services (:mod:`autograder.runtime.simulated.practice`) and the Validate preview run
one in the kernel's process.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from autograder.runtime.simulated.http import RESET, HttpServer, Request, Response

HOST_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{0,80}$")


class Failure(Enum):
    """How a service fails, beyond answering an error status."""

    REFUSE = "refuse"  # the host refuses connections (it is down): httpx.ConnectError
    RESET = "reset"  # the connection is dropped before an answer: httpx.RemoteProtocolError
    HANG = "hang"  # it never answers: only the caller's timeout ends the call
    INVALID_JSON = "invalid-json"  # 200 with a body that is not JSON


@dataclass(frozen=True)
class Route:
    """What one resource does: wait ``delay`` seconds, then answer (or fail).

    ``answer`` computes the status and JSON from the request instead (a user service answering
    by id, say); ``delay`` still applies.
    """

    json: object = None
    delay: float = 0.0
    status: int = 200
    failure: Failure | None = None
    answer: Callable[[Request], tuple[int, object]] | None = None


@dataclass
class Call:
    """One request that reached a simulated service."""

    url: str
    started: float
    ended: float | None = None
    outcome: str = "running"  # "ok", "status 503", "cancelled", "dropped", "no such resource"
    thread: str | None = None  # the caller's thread, as its client said (blocking clients only)

    @property
    def seconds(self) -> float | None:
        return None if self.ended is None else self.ended - self.started


class CallLog:
    """The calls of one stretch of time (a check), recorded from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self.in_flight = 0
        self.peak_in_flight = 0

    def begin(self, url: str, thread: str | None = None) -> Call:
        call = Call(url=url, started=time.perf_counter(), thread=thread)
        with self._lock:
            self._calls.append(call)
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        return call

    def end(self, call: Call, outcome: str) -> None:
        with self._lock:
            if call.ended is None:
                call.ended, call.outcome = time.perf_counter(), outcome
                self.in_flight -= 1

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, prefix: str) -> list[Call]:
        return [call for call in self.calls if call.url.startswith(prefix)]

    def peak_overlap(self, calls: list[Call] | None = None) -> int:
        """The most calls (of ``calls``, default all) that were running at the same moment."""
        calls = self.calls if calls is None else calls
        edges = sorted(
            [(c.started, 1) for c in calls] + [(c.ended or float("inf"), -1) for c in calls],
            key=lambda edge: (edge[0], edge[1]),
        )
        running = peak = 0
        for _, step in edges:
            running += step
            peak = max(peak, running)
        return peak

    def timeline(self, origin: float | None = None) -> str:
        """``url 0.00-0.31 s (ok), ...`` relative to ``origin`` (default: the first call)."""
        calls = self.calls
        if not calls:
            return "no calls"
        origin = min(c.started for c in calls) if origin is None else origin
        return ", ".join(
            f"{c.url} {c.started - origin:.2f}-"
            + ("..." if c.ended is None else f"{c.ended - origin:.2f} s")
            + f" ({c.outcome})"
            for c in calls
        )


def host_of(url: str) -> str:
    """``https://weather.example/api/today`` -> ``weather.example``."""
    return url.split("://", 1)[-1].split("/", 1)[0].split(":")[0].lower()


def _resource(url: str) -> str:
    """A URL without its scheme: routes match whatever scheme the client used."""
    return url.split("://", 1)[-1]


class Services:
    """The request handler behind every simulated host; routes are swapped per check."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.log = CallLog()

    def route_for(self, url: str) -> Route | None:
        resource = _resource(url)
        matches = [prefix for prefix in self.routes if resource.startswith(_resource(prefix))]
        return self.routes[max(matches, key=len)] if matches else None

    async def handle(self, request: Request):
        url = f"https://{request.host}{request.target}"
        route, log = self.route_for(url), self.log
        call = log.begin(url, request.headers.get("x-thread"))
        try:
            if route is None:
                log.end(call, "no such resource")
                return _json_response(404, {"detail": f"no resource at {url}"})
            if route.failure is Failure.HANG:
                await asyncio.Event().wait()
            if route.delay:
                await asyncio.sleep(route.delay)
            if route.failure is Failure.RESET:
                log.end(call, "dropped")
                return RESET
            if route.failure is Failure.INVALID_JSON:
                log.end(call, "ok")
                return Response(200, b"<html>upstream maintenance</html>",
                                {"content-type": "text/html"})  # fmt: skip
            status, body = route.answer(request) if route.answer else (route.status, route.json)
            log.end(call, "ok" if status < 400 else f"status {status}")
            return _json_response(status, body)
        except asyncio.CancelledError:
            log.end(call, "cancelled")
            raise


def _json_response(status: int, body: object) -> Response:
    return Response(status, json.dumps(body).encode(), {"content-type": "application/json"})


class ServicesThread:
    """Simulated services on a loop of their own, in a daemon thread, one socket per host.

    ``install(routes)`` (from any thread) swaps the routes, makes every host of ``routes``
    listen (or refuse, for :attr:`Failure.REFUSE`) and returns a fresh :class:`CallLog`.
    """

    def __init__(self, folder: str | Path | None = None, hosts: tuple[str, ...] = ()) -> None:
        self._owns_folder = folder is None
        self.folder = Path(folder or tempfile.mkdtemp(prefix="autograder-services-"))
        self.services = Services()
        self._hosts: dict[str, bool] = {}  # host -> listening
        self._extra_hosts = hosts
        self._loop = asyncio.new_event_loop()
        self._server = HttpServer(self.services.handle)
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="autograder-services", daemon=True
        )
        self._thread.start()

    def socket_path(self, host: str) -> Path:
        if not HOST_NAME.match(host):
            raise ValueError(f"not a simulated host name: {host!r}")
        return self.folder / f"{host}.sock"

    def _run(self, coroutine) -> object:
        future: Future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout=30)

    def install(self, routes: dict[str, Route]) -> CallLog:
        refusing: dict[str, set[bool]] = {}
        for url, route in routes.items():
            refusing.setdefault(host_of(url), set()).add(route.failure is Failure.REFUSE)
        mixed = sorted(host for host, kinds in refusing.items() if len(kinds) > 1)
        if mixed:
            raise ValueError(f"{', '.join(mixed)}: a host is either up or refusing, not both")
        wanted = dict.fromkeys(self._extra_hosts, True)
        wanted.update({host: not kinds.pop() for host, kinds in refusing.items()})
        self._run(self._apply(wanted))
        log = CallLog()
        self.services.routes, self.services.log = dict(routes), log
        return log

    async def _apply(self, wanted: dict[str, bool]) -> None:
        for host, listening in wanted.items():
            if self._hosts.get(host) == listening:
                continue
            path = str(self.socket_path(host))
            await (self._server.listen(path) if listening else self._server.refuse(path))
            self._hosts[host] = listening

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            self._run(self._server.close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self._loop.close()
            if self._owns_folder:
                shutil.rmtree(self.folder, ignore_errors=True)
