"""How a notebook reaches the (simulated) upstream services: HTTP over Unix sockets.

There is no real network in the course. The provided cells build their HTTP clients on
:func:`upstream_transport`, which sends each request to the socket of its host in a *services
folder* (``<folder>/weather.example.sock``), as plain HTTP whatever the URL's scheme:

* while a notebook is graded, the folder is the judge's (``AUTOGRADER_SERVICES``, set by the
  grading sandbox), served from the grader's process, where the kernel cannot reach its record;
* during a Validate preview, the folder of the preview's own services (:func:`routed_to`);
* otherwise the practice services of :mod:`autograder.runtime.simulated.practice`, started in
  this process on first use, which answer like a calm day (``scenario()`` changes that).

A host without a socket does not exist (httpx raises ``ConnectError``), as on a real network.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx

from autograder.runtime.simulated.services import HOST_NAME, CallLog

SERVICES_ENV = "AUTOGRADER_SERVICES"
_routed: list[str] = []  # folders pushed by a preview (innermost last)
_routed_lock = threading.Lock()


def services_folder() -> Path:
    """Where requests go now (see the module docstring)."""
    with _routed_lock:
        if _routed:
            return Path(_routed[-1])
    if os.environ.get(SERVICES_ENV):
        return Path(os.environ[SERVICES_ENV])
    from autograder.runtime.simulated import practice

    return practice.practice_services().folder


@contextlib.contextmanager
def routed_to(folder: str | Path) -> Iterator[None]:
    """Within the block, requests go to the services in ``folder`` (used by previews)."""
    with _routed_lock:
        _routed.append(str(folder))
    try:
        yield
    finally:
        with _routed_lock:
            _routed.remove(str(folder))


def socket_path(url: httpx.URL, folder: Path | None = None) -> str:
    host = (url.host or "").lower()
    if not HOST_NAME.match(host):
        raise httpx.ConnectError(f"no such host: {host!r}")
    return str((folder or services_folder()) / f"{host}.sock")


def _forwarded(request: httpx.Request) -> httpx.Request:
    """The same request as plain HTTP (the socket is the host): no TLS on a Unix socket."""
    return httpx.Request(
        request.method,
        request.url.copy_with(scheme="http"),
        headers=request.headers,
        stream=request.stream,
        extensions=request.extensions,
    )


class ServicesTransport(httpx.AsyncBaseTransport):
    """httpx transport to the simulated services: one connection pool per host socket.

    Timeouts, cancellation and connection errors are those of a real transport (it is httpx's
    own ``AsyncHTTPTransport`` on each socket). Make a new one for every client: a client
    closes its transport when it is closed.
    """

    def __init__(self) -> None:
        self._pools: dict[str, httpx.AsyncHTTPTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = socket_path(request.url)
        pool = self._pools.get(path)
        if pool is None:
            # verify=False: nothing to verify over a Unix socket, and loading the CA bundle
            # would cost every new client milliseconds of the event loop's time.
            pool = self._pools[path] = httpx.AsyncHTTPTransport(uds=path, verify=False)
        return await pool.handle_async_request(_forwarded(request))

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()


class BlockingServicesTransport(httpx.BaseTransport):
    """The same for a synchronous ``httpx.Client`` (which blocks the thread that calls it).

    It tells the service which thread called (``x-thread``), so that a check can say "these
    calls all ran on one thread" in its feedback.
    """

    def __init__(self) -> None:
        self._pools: dict[str, httpx.HTTPTransport] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = socket_path(request.url)
        pool = self._pools.get(path)
        if pool is None:
            pool = self._pools[path] = httpx.HTTPTransport(uds=path, verify=False)
        forwarded = _forwarded(request)
        forwarded.headers["x-thread"] = str(threading.get_native_id())
        return pool.handle_request(forwarded)

    def close(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()


def upstream_transport() -> ServicesTransport:
    """What the provided ``upstream_client()`` cells connect with (a new one every time)."""
    return ServicesTransport()


def blocking_transport() -> BlockingServicesTransport:
    return BlockingServicesTransport()


def client(**options) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` to the simulated services (use it with ``async with``)."""
    return httpx.AsyncClient(transport=upstream_transport(), **options)


@contextlib.contextmanager
def scenario(name: str) -> Iterator[CallLog]:
    """Within the block the practice services behave as in scenario ``name``; yields their log.

    ``with scenario("stormy") as calls: ...`` then ``print_timeline(calls)``. The scenarios are
    listed in :data:`autograder.runtime.simulated.practice.SCENARIOS`.
    """
    from autograder.runtime.simulated import practice

    with practice.scenario(name) as (folder, log), routed_to(folder):
        yield log


def print_timeline(log: CallLog) -> None:
    """Print each call a service received: when it started and ended, and how."""
    calls = log.calls
    if not calls:
        print("no upstream calls")
        return
    first = min(call.started for call in calls)
    for call in calls:
        end = "  ...  " if call.ended is None else f"{call.ended - first:5.2f} s"
        print(f"{call.started - first:5.2f} s -> {end}  {call.outcome:<16} {call.url}")
