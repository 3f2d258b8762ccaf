"""A heartbeat from outside: how long did the kernel's loop take to answer a ping?

A thread of the judge sends ``/__autograder/ping`` to the kernel's view server over a connection
of its own, one ping at a time, every ``interval`` seconds. A free event loop answers within a
turn or two; a blocked one answers when it is free again. So every ping marks a stretch of time
during which the loop had work it did not get to: the longest such stretch, counted only for what
the loop's thread itself did meanwhile (:class:`~autograder.judge.observe.ThreadObserver`: its
CPU time and its sleep outside ``epoll_wait``, not the time the machine made it wait), is the
loop's longest stall. A loop that is busy with many short callbacks answers each ping quickly and
is not charged; one long blocking call is charged in full.
"""

from __future__ import annotations

import threading
import time

import httpx

from autograder.runtime.serve import CONTROL


class LoopProbe:
    """``with LoopProbe(socket) as probe: ...``; ``probe.pending(start, end)`` lists the pings."""

    def __init__(self, socket_path: str, interval: float = 0.01) -> None:
        self.socket_path, self.interval = socket_path, interval
        self.pings: list[tuple[float, float]] = []  # (sent, answered)
        self._sent: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        transport = httpx.HTTPTransport(uds=self.socket_path, verify=False)
        with httpx.Client(transport=transport, base_url="http://notebook", timeout=None) as client:
            while not self._stop.is_set():
                self._sent = time.perf_counter()
                try:
                    client.get(f"{CONTROL}ping")
                except httpx.HTTPError:
                    self._stop.wait(self.interval)
                    continue
                self.pings.append((self._sent, time.perf_counter()))
                self._sent = None
                self._stop.wait(self.interval)

    def __enter__(self) -> LoopProbe:
        self._thread = threading.Thread(target=self._run, name="judge-loop-probe", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        # Not joined: the last ping may still wait for the loop this runs on (a preview), or for
        # a blocked kernel (which is interrupted next); the thread ends when it is answered.
        self._stop.set()

    def waiting(self) -> float:
        """How long the ping in flight has waited for its answer (0 when none waits)."""
        sent = self._sent
        return 0.0 if sent is None else max(0.0, time.perf_counter() - sent)

    def pending(self, start: float, end: float) -> list[tuple[float, float]]:
        """The pings that were waiting for an answer at some moment between start and end."""
        found = [(s, a) for s, a in self.pings if a >= start and s <= end]
        if self._sent is not None and self._sent <= end:
            found.append((self._sent, time.perf_counter()))  # still waiting: a stall right now
        return found
