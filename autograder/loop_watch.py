"""An event-loop stall detector: a heartbeat task that notices when the loop stopped running.

While student code runs, a task wakes up every ``interval`` seconds. When a view calls
``time.sleep``, a sync HTTP client or a CPU loop, the event loop cannot run the heartbeat, so the
next beat comes late; the largest lateness is how long the loop was blocked. Correct async code
leaves the heartbeat on time to within a few milliseconds, even on a loaded machine.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from autograder import integrity as ref


@dataclass(frozen=True)
class Stall:
    """One stretch of time during which the event loop did not run anything else."""

    started: float
    seconds: float


@dataclass
class LoopStallDetector:
    """Async context manager: ``async with LoopStallDetector() as watch: ...; watch.longest_stall``.

    ``record_above`` only limits which stalls are kept in ``stalls`` for the report; the verdict
    is made by the caller from ``longest_stall``.
    """

    interval: float = 0.005
    record_above: float = 0.02
    longest_stall: float = 0.0
    stalls: list[Stall] = field(default_factory=list)
    beats: int = 0
    _last_beat: float = 0.0
    _task: object = None

    def _note(self, now: float) -> None:
        lateness = max(0.0, now - self._last_beat - self.interval)
        if lateness > self.longest_stall:
            self.longest_stall = lateness
        if lateness > self.record_above:
            self.stalls.append(Stall(started=self._last_beat, seconds=lateness))
        self._last_beat = now

    async def _heartbeat(self) -> None:
        while True:
            await ref.sleep(self.interval)
            self.beats += 1
            self._note(ref.perf_counter())

    async def __aenter__(self) -> LoopStallDetector:
        self._last_beat = ref.perf_counter()
        self._task = ref.create_task(self._heartbeat())
        return self

    async def __aexit__(self, *exc_info) -> None:
        # A block that ends right before exit has not been seen by a beat yet: measure it now.
        self._note(ref.perf_counter())
        self._task.cancel()
        with contextlib.suppress(ref.CancelledError):
            await self._task
