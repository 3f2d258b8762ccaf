"""Where a check runs: the notebook's views behind a socket, the services, the loop, the database.

A check is written once against a :class:`Stage` and runs in two places:

* **graded** (authoritative): in the grader's process. The views are served by the sandboxed
  kernel; the services are the judge's, on sockets only the judge records; the observer watches
  the kernel's main thread through ``/proc``; the database is the kernel's file; the data are
  drawn from the submission's secret seed. Nothing the kernel says decides the grade.
* **preview** (Validate, in a student's kernel): the same code in the kernel's own process, with
  the views served on a socket of the kernel, the preview's services in a thread, the observer on
  the kernel's own loop thread, and the fixed preview seed.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from autograder.judge.client import Reply, Request, Stream, ViewClient
from autograder.judge.data import Draw
from autograder.judge.database import KernelDatabase
from autograder.judge.observe import Stall, ThreadObserver
from autograder.judge.probe import LoopProbe
from autograder.runtime.simulated.services import CallLog, Route, ServicesThread


@dataclass
class Run:
    """What the judge observed while a view handled a batch of requests sent together."""

    view: str
    replies: list[Reply]
    started: float
    elapsed: float
    stall: float = 0.0
    stalls: list[Stall] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    streams: list[Stream] = field(default_factory=list)  # runs of :meth:`Stage.stream`

    @property
    def reply(self) -> Reply:
        """The only reply, for runs of a single request."""
        return self.replies[0]

    @property
    def stall_what(self) -> str:
        longest = max(self.stalls, key=lambda s: s.seconds, default=None)
        return longest.what if longest else ""

    @property
    def never_awaited(self) -> list[str]:
        return [w for w in self.warnings if "was never awaited" in w]


class Stage:
    """The judge's means to observe one notebook (see the module docstring)."""

    def __init__(
        self,
        *,
        client: ViewClient,
        services: ServicesThread,
        observer: ThreadObserver,
        probe: LoopProbe,
        database: KernelDatabase | None,
        draw: Draw,
        preview: bool,
        loop_thread: str | None = None,
        interrupt: Callable[[], None] | None = None,
    ) -> None:
        self.client, self.services, self.observer, self.probe = client, services, observer, probe
        self.database, self.draw, self.preview = database, draw, preview
        self.loop_thread = loop_thread  # the loop thread's id as the kernel's clients report it
        # Sends the kernel the signal that breaks a blocked loop (None: the kernel has no guard).
        self.interrupt = interrupt
        self.unblocked = 0  # how often it was sent
        self._kinds: dict[str, dict] = {}

    # --- what the notebook holds -----------------------------------------------------------------

    async def kind(self, name: str) -> dict:
        """How the notebook defines ``name`` (defined? callable? ``async def``?)."""
        if name not in self._kinds:
            self._kinds.update(await self.client.control("describe", [name]))
        return self._kinds.get(name, {"defined": False})

    async def values(self, names: Sequence[str]) -> dict:
        return await self.client.control("values", names)

    # --- the services ----------------------------------------------------------------------------

    def install(self, routes: dict[str, Route]) -> CallLog:
        """Make the services behave as ``routes`` say; returns the log of the calls to come."""
        return self.services.install(routes)

    async def settle(self, log: CallLog, until: float) -> None:
        """Let the calls a view left behind finish (or be cancelled) before they are judged."""
        while log.in_flight and time.perf_counter() < until:  # noqa: ASYNC110 (another thread's count)
            await asyncio.sleep(0.02)

    # --- the views -------------------------------------------------------------------------------

    async def run(self, view: str, requests: Sequence[Request | str], time_limit: float = 10.0,
                  unblock_after: float | None = None) -> Run:  # fmt: skip
        """Send every request to ``view`` at the same time and observe what happens.

        ``unblock_after``: when the loop's thread has slept that long in one blocking call and
        not answered the probe meanwhile, break the block (the view that blocked raises
        ``LoopBlocked`` where it waits; see :mod:`autograder.runtime.serve`), as often as it
        blocks again. For checks whose mistakes block the loop for good, such as a
        ``threading.Lock`` held across an ``await``.
        """
        batch = [r if isinstance(r, Request) else Request(r) for r in requests]
        started = time.perf_counter()
        with self._unblocking(unblock_after):
            replies = await asyncio.gather(
                *(self.client.send(view, request, time_limit) for request in batch)
            )
        run = Run(view, list(replies), started, time.perf_counter() - started)
        await self._observed(run)
        return run

    async def stream(self, view: str, requests: Sequence[Request | str], time_limit: float = 10.0,
                     stop_after: int | None = None,
                     unblock_after: float | None = None) -> Run:  # fmt: skip
        """Like :meth:`run`, but read each answer as a client reads a stream (``Run.streams``:
        when each chunk and each Server-Sent Event arrived); with ``stop_after`` the client
        hangs up after that many events (or at ``time_limit``), as a browser tab that closes."""
        batch = [r if isinstance(r, Request) else Request(r) for r in requests]
        started = time.perf_counter()
        with self._unblocking(unblock_after):
            streams = await asyncio.gather(
                *(self.client.read_stream(view, r, time_limit, stop_after) for r in batch)
            )
        run = Run(view, [s.reply for s in streams], started, time.perf_counter() - started)
        run.streams = list(streams)
        await self._observed(run)
        return run

    @contextlib.contextmanager
    def _unblocking(self, after: float | None) -> Iterator[None]:
        if after is None or self.interrupt is None:
            yield
            return
        stop = threading.Event()

        def stuck() -> bool:
            # Asleep in one blocking call (a lock, a sleep, a sync read) and deaf to the probe;
            # a loop that only lacks a CPU (a loaded machine) is running, not asleep.
            if self.observer.observable:
                return self.observer.asleep_for() > after and self.probe.waiting() > after
            return self.probe.waiting() > 5 * after

        def watch() -> None:  # a thread: in a preview the blocked loop is this one's too
            while not stop.wait(0.05):
                if stuck():
                    self.interrupt()
                    self.unblocked += 1
                    stop.wait(after)  # the loop may turn again before it blocks again

        threading.Thread(target=watch, name="judge-unblock", daemon=True).start()
        try:
            yield
        finally:
            stop.set()  # not joined: in a preview, joining would block the loop it watches

    async def _observed(self, run: Run) -> None:
        """What the loop did while ``run`` went on, and the warnings the kernel caught."""
        ended = run.started + run.elapsed
        # A little slack at the end: a block that ends the view is seen by the next sample.
        await asyncio.sleep(self.probe.interval * 2)
        run.stalls = self.stalls(run.started, ended + self.probe.interval * 2)
        run.stall = max((s.seconds for s in run.stalls), default=0.0)
        try:
            run.warnings = (await self.client.control("warnings")).get("warnings", [])
        except (OSError, ValueError, TimeoutError, Exception):  # noqa: B014 (a dead kernel says nothing)
            run.warnings = []

    def stalls(self, start: float, end: float) -> list[Stall]:
        """The loop's stalls: for every ping that waited, what the loop's thread did meanwhile."""
        found = []
        for sent, answered in self.probe.pending(start, end):
            if answered - sent < 0.01:
                continue
            if not self.observer.observable:  # no /proc: the ping's latency is all there is
                found.append(Stall(sent, answered - sent, "not answering (not observable)"))
                continue
            # Only what happened within the window counts: a ping still waiting since the last
            # batch (the kernel collecting garbage between batches, say) is not this batch's.
            first, last = max(sent, start), min(answered, end)
            stretches = self.observer.stalls(first, last, above=0.0)
            if not stretches:
                continue
            # The longest stretch away from the loop's wait. Short turns are not added up: a
            # loaded machine makes many turns late, and none of them is a stall. (A blocking
            # call seen in a sample marks its whole stretch, so blocking stretches are not
            # added up either: a right answer's quick socket reads would be counted.)
            longest = max(stretches, key=lambda s: s.seconds)
            if longest.seconds > 0.005:
                found.append(Stall(first, min(longest.seconds, last - first), longest.what))
        return found

    async def once(self, view: str, request: Request | str, time_limit: float = 10.0) -> Reply:
        return (await self.run(view, [request], time_limit)).reply
