"""Fake upstream services for httpx that record what really happened.

``FakeUpstream`` is an httpx transport (async and sync) standing in for remote services. Each
route answers after a configurable delay, with a status, a JSON body or a failure, and every call
is recorded with when it started and ended and how it ended. From that record the grader knows
whether calls overlapped (``peak_in_flight``), whether any was still running when the view
returned (``in_flight``), and which were cancelled — facts, not guesses from wall-clock time.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from enum import Enum

import httpx

from autograder import integrity as ref


class Failure(Enum):
    """How a route fails, beyond answering an error status."""

    CONNECT = "connect"  # httpx.ConnectError at once (the service is down)
    READ_TIMEOUT = "read-timeout"  # httpx.ReadTimeout after the delay
    INVALID_JSON = "invalid-json"  # 200 with a body that is not JSON


@dataclass(frozen=True)
class Route:
    """What one fake service does: wait ``delay`` seconds, then answer or fail."""

    json: object = None
    delay: float = 0.0
    status: int = 200
    failure: Failure | None = None


@dataclass
class UpstreamCall:
    """One request that reached a fake upstream."""

    url: str
    started: float
    ended: float | None = None
    outcome: str = "running"  # "ok", "status 503", "connect error", "cancelled", ...
    sync: bool = False

    @property
    def seconds(self) -> float | None:
        return None if self.ended is None else self.ended - self.started


@dataclass
class FakeUpstream(httpx.AsyncBaseTransport, httpx.BaseTransport):
    """Transport for ``httpx.AsyncClient(transport=...)`` (and ``httpx.Client``).

    ``routes`` maps a URL prefix (``"https://weather.example"``) to a :class:`Route`; the longest
    matching prefix wins, an unknown URL gets a connect error, as it would on a real network.
    """

    routes: dict[str, Route]
    calls: list[UpstreamCall] = field(default_factory=list)
    peak_in_flight: int = 0
    in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # --- bookkeeping ---------------------------------------------------------------------------

    def _route(self, url: str) -> Route | None:
        matches = [prefix for prefix in self.routes if url.startswith(prefix)]
        return self.routes[max(matches, key=len)] if matches else None

    def _begin(self, request: httpx.Request, *, sync: bool) -> UpstreamCall:
        call = UpstreamCall(url=str(request.url), started=ref.perf_counter(), sync=sync)
        with self._lock:
            self.calls.append(call)
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        return call

    def _end(self, call: UpstreamCall, outcome: str) -> None:
        with self._lock:
            call.ended = ref.perf_counter()
            call.outcome = outcome
            self.in_flight -= 1

    def _respond(self, request: httpx.Request, route: Route | None, call: UpstreamCall):
        if route is None:
            self._end(call, "connect error")
            raise httpx.ConnectError(f"no fake upstream at {request.url}", request=request)
        if route.failure is Failure.CONNECT:
            self._end(call, "connect error")
            raise httpx.ConnectError("connection refused", request=request)
        if route.failure is Failure.READ_TIMEOUT:
            self._end(call, "read timeout")
            raise httpx.ReadTimeout("read timed out", request=request)
        if route.failure is Failure.INVALID_JSON:
            content = b"<html>upstream maintenance</html>"
        else:
            content = json.dumps(route.json).encode()
        self._end(call, "ok" if route.status < 400 else f"status {route.status}")
        return httpx.Response(
            route.status,
            content=content,
            headers={"content-type": "application/json"},
            request=request,
        )

    # --- the two transport interfaces ------------------------------------------------------------

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        route = self._route(str(request.url))
        call = self._begin(request, sync=False)
        try:
            if route is not None and route.failure is not Failure.CONNECT and route.delay:
                await ref.sleep(route.delay)
        except BaseException:  # cancelled by the caller (a timeout, or a race that was won)
            self._end(call, "cancelled")
            raise
        return self._respond(request, route, call)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # A sync client blocks the event loop for the whole delay: the stall detector sees it.
        route = self._route(str(request.url))
        call = self._begin(request, sync=True)
        if route is not None and route.failure is not Failure.CONNECT and route.delay:
            ref.blocking_sleep(route.delay)
        return self._respond(request, route, call)

    # --- what the checks read --------------------------------------------------------------------

    def calls_to(self, prefix: str) -> list[UpstreamCall]:
        return [call for call in self.calls if call.url.startswith(prefix)]

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.peak_in_flight = self.in_flight

    def client(self, **kwargs) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` wired to this transport."""
        return httpx.AsyncClient(transport=self, **kwargs)
