"""An event-loop stall detector for lessons: how long some code kept the event loop from running.

(The judge watches a graded kernel's loop from outside, with the same rule:
autograder.judge.observe. This one runs inside the loop it watches, which is what a lesson
wants: ``async with LoopStallDetector() as watch: ...`` around the code it measures.)

Two observers work together while student code runs:

* a heartbeat task on the loop wakes up every ``interval`` seconds. A late beat means the loop
  did not get round to it, but not yet why;
* a watchdog thread looks, every ``interval`` seconds, at what the loop's thread is doing:
  waiting in the selector (the loop is idle, nothing is blocked), asleep anywhere else
  (``time.sleep``, a sync HTTP client waiting for its socket), or running code.

A late beat is charged to the code only for what the loop's thread did with that time: its CPU
time (a CPU loop, a long C call) plus the time it slept outside the selector. Time during which
the machine did not run the thread although it was ready (a loaded CI host: Linux counts it as
run-queue delay) or during which the whole process was paused while the loop was idle is not
charged, and automatic garbage collection is paused while the detector runs: none of that is the
student's doing. So ``time.sleep(0.3)`` in a view measures 0.3 s on an idle machine and on a busy
one, a CPU loop measures its CPU time, and correct async code measures a few milliseconds.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import gc
import itertools
import os
import sys
import threading
import time
from dataclasses import dataclass, field

_IDLE, _ASLEEP, _RUNNING = "idle", "asleep", "running"
# Linux scheduler states of a thread that is not runnable: waiting for something (S, D, I), or
# stopped by a signal (T, t); then whatever it was doing goes on once it runs again.
_WAITING_STATES = frozenset("SDITt")
# A gap between two watchdog samples longer than this many intervals means that the watchdog was
# not scheduled either: what the loop's thread did meanwhile is read from its scheduler counters.
_HOLE = 4


@dataclass(frozen=True)
class Stall:
    """One stretch of time during which the event loop did not run anything else."""

    started: float
    seconds: float


@dataclass(frozen=True)
class _Point:
    """One observation of the loop's thread."""

    time: float
    kind: str  # _IDLE, _ASLEEP or _RUNNING
    where: tuple | None  # (frame, instruction) outside the selector, to recognise the same call
    cpu: float | None  # the thread's CPU time, and its run-queue delay, from /proc (seconds)
    queued: float | None


class _ThreadProc:
    """The loop thread's /proc files (Linux), opened on that thread, readable from any thread.

    Opened through /proc/thread-self, so they name this thread even inside a PID namespace
    (the grading sandbox). Without /proc, every reading is None and the detector falls back to
    what the watchdog sees.
    """

    def __init__(self) -> None:
        self._fds = {}
        for name in ("stat", "schedstat"):
            with contextlib.suppress(OSError):
                self._fds[name] = os.open(f"/proc/thread-self/{name}", os.O_RDONLY)

    def _read(self, name: str) -> str | None:
        fd = self._fds.get(name)
        if fd is None:
            return None
        try:
            return os.pread(fd, 512, 0).decode(errors="replace")
        except OSError:
            return None

    def state(self) -> str | None:
        """The one-letter scheduler state (R, S, D, ...), or None when unknown."""
        text = self._read("stat")
        # "tid (command name) S ...": the name may contain spaces and parentheses.
        fields = text.rpartition(")")[2].split() if text else []
        return fields[0] if fields else None

    def times(self) -> tuple[float | None, float | None]:
        """(CPU time, time spent ready to run but not running), in seconds, or (None, None)."""
        text = self._read("schedstat")
        fields = text.split() if text else []
        if len(fields) < 2:
            return None, None
        return int(fields[0]) / 1e9, int(fields[1]) / 1e9

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds = {}


def _idle_codes(loop: object) -> frozenset:
    """The code objects in which the loop's thread sits when the loop waits for something to do."""
    codes = set()
    # Selector loops (Linux, macOS) wait in selector.select; the proactor loop (Windows) in
    # its proactor's select, which waits in _poll.
    for waiter in (getattr(loop, "_selector", None), getattr(loop, "_proactor", None)):
        for name in ("select", "_poll"):
            code = getattr(getattr(waiter, name, None), "__code__", None)
            if code is not None:
                codes.add(code)
    return frozenset(codes)


def _slept_in_hole(start: _Point, end: _Point) -> float:
    """Time the thread spent asleep between two points far apart (neither CPU nor queued)."""
    if None in (start.cpu, start.queued, end.cpu, end.queued):
        # Without scheduler counters: only a thread seen in the very same call at both ends.
        same_call = end.where is not None and end.where == start.where
        return end.time - start.time if same_call else 0.0
    busy = (end.cpu - start.cpu) + (end.queued - start.queued)
    return max(0.0, end.time - start.time - busy)


class _Watchdog:
    """A thread that samples what the loop's thread is doing, every ``interval`` seconds."""

    def __init__(self, loop_thread: int, idle_codes: frozenset, interval: float) -> None:
        self.times: list[float] = []
        self.points: list[_Point] = []
        self.proc = _ThreadProc()  # made on the loop's thread
        self._loop_thread = loop_thread
        self._idle_codes = idle_codes
        self._interval = interval
        self._stop = False
        self._thread = threading.Thread(
            target=self._run, name="autograder-loop-watchdog", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop = True
        self._thread.join()
        self.proc.close()

    def edge(self, now: float) -> _Point:
        """A point for a heartbeat: the loop's thread is running the heartbeat itself."""
        return _Point(now, _RUNNING, None, *self.proc.times())

    def _sample(self) -> _Point:
        frame = sys._current_frames().get(self._loop_thread)
        cpu, queued = self.proc.times()
        now = time.perf_counter()
        if frame is None or frame.f_code in self._idle_codes:
            return _Point(now, _IDLE, None, cpu, queued)
        where = (id(frame), frame.f_lasti)
        state = self.proc.state()
        if state is None or state in _WAITING_STATES:
            # (Without /proc, any wait outside the selector counts as asleep.)
            return _Point(now, _ASLEEP, where, cpu, queued)
        return _Point(now, _RUNNING, where, cpu, queued)

    def _run(self) -> None:
        while not self._stop:
            time.sleep(self._interval)
            point = self._sample()
            # Appended in this order, read by the loop's thread: times never outruns points.
            self.points.append(point)
            self.times.append(point.time)

    def asleep_between(self, start: _Point, end: _Point) -> float:
        """Seconds between two heartbeats during which the loop's thread slept outside the loop.

        Between two samples close together, the time counts in full when both saw the thread
        asleep outside the selector and half when one did. Across a hole (the watchdog was not
        scheduled either), the thread's own counters say how long it slept; that counts when the
        thread was seen asleep at either end, or in the same call at both ends (a thread woken
        to be stopped or continued by a signal shows as running for a moment), and never when
        it was idle at both ends: then a pause of the whole process is the likelier cause.
        """
        count = min(len(self.times), len(self.points))
        first = bisect.bisect_right(self.times, start.time, 0, count)
        last = bisect.bisect_left(self.times, end.time, 0, count)
        total = 0.0
        for a, b in itertools.pairwise([start, *self.points[first:last], end]):
            asleep = (a.kind == _ASLEEP) + (b.kind == _ASLEEP)
            if b.time - a.time <= _HOLE * self._interval:
                total += (b.time - a.time) * asleep / 2
            elif asleep or (a.where is not None and a.where == b.where):
                total += _slept_in_hole(a, b)
        return total


@dataclass
class LoopStallDetector:
    """Async context manager: ``async with LoopStallDetector() as watch: ...; watch.longest_stall``.

    ``longest_stall`` is the longest time the code kept the loop from running; ``longest_lateness``
    is the largest raw heartbeat delay, whatever its cause (for diagnostics). ``record_above`` only
    limits which stalls are kept in ``stalls``; the verdict is made by the caller.
    """

    interval: float = 0.005
    record_above: float = 0.02
    longest_stall: float = 0.0
    longest_lateness: float = 0.0
    stalls: list[Stall] = field(default_factory=list)
    beats: int = 0
    _last: _Point | None = None
    _last_thread_time: float = 0.0
    _task: object = None
    _watchdog: _Watchdog | None = None
    _gc_was_enabled: bool = False

    def _beat(self) -> None:
        now = self._watchdog.edge(time.perf_counter())
        thread_time = time.thread_time()
        lateness = max(0.0, now.time - self._last.time - self.interval)
        self.longest_lateness = max(self.longest_lateness, lateness)
        if lateness > self.record_above / 2:
            # Charge the code for what the loop's thread did: computed, or slept outside the loop.
            computed = thread_time - self._last_thread_time
            blocked = min(lateness, computed + self._watchdog.asleep_between(self._last, now))
            self.longest_stall = max(self.longest_stall, blocked)
            if blocked > self.record_above:
                self.stalls.append(Stall(started=self._last.time, seconds=blocked))
        self._last, self._last_thread_time = now, thread_time

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self.beats += 1
            self._beat()

    async def __aenter__(self) -> LoopStallDetector:
        idle_codes = _idle_codes(asyncio.get_running_loop())
        self._gc_was_enabled = gc.isenabled()
        gc.disable()
        self._watchdog = _Watchdog(threading.get_ident(), idle_codes, self.interval)
        self._watchdog.start()
        self._last = self._watchdog.edge(time.perf_counter())
        self._last_thread_time = time.thread_time()
        self._task = asyncio.create_task(self._heartbeat())
        return self

    async def __aexit__(self, *exc_info) -> None:
        try:
            # A block that ends right before exit has not been seen by a beat yet: measure it now.
            self._beat()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        finally:
            self._watchdog.stop()
            if self._gc_was_enabled:
                gc.enable()
