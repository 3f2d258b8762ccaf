"""Watch an event loop's thread from outside its process: did it ever stall?

The kernel's event loop runs in its main thread. When the loop has nothing to do, that thread
sleeps in the ``epoll_wait`` system call; code that blocks the loop keeps it out of there: asleep
in another system call (``time.sleep``, a sync socket read, SQLite waiting for a lock) or running
(a CPU loop). A thread of the judge samples, every ``interval`` seconds, what Linux says of the
loop's thread under ``/proc/<pid>/task/<tid>/``:

* ``syscall``: the system call it sleeps in (or ``running``); ``wchan`` says the same in words
  where ``syscall`` is not readable;
* ``status``: its scheduler state (stopped by a signal?) and its voluntary context switches;
* ``schedstat``: its CPU time and the time it waited for a CPU (run-queue delay).

A stall is a stretch of consecutive samples outside the loop's wait. It is charged only for what
the thread did with that time: its CPU time plus the time it slept, never the time it was ready
but the machine did not run it (a loaded grading host), and never across a gap in the samples
(the sampler itself not scheduled) unless the thread provably stayed in one blocking call. That is
the rule the in-kernel detector of the lessons uses, read from outside, where the kernel cannot
change what is measured.
"""

from __future__ import annotations

import bisect
import os
import platform
import threading
import time
from dataclasses import dataclass

# epoll_wait, epoll_pwait, epoll_pwait2: where an asyncio selector loop waits on Linux.
_EPOLL_SYSCALLS = {
    "x86_64": {232, 281, 441},
    "aarch64": {22, 441},
}.get(platform.machine(), {232, 281, 441, 22})
_HOLE = 4  # samples further apart than this many intervals leave a gap

# What the usual blocking system calls mean, for the feedback (x86_64 and aarch64 numbers).
_SLEEP = "asleep (time.sleep)"
_SOCKET = "waiting for a socket (a blocking client)"
_LOCK = "waiting for a lock or another thread"
_FILE_LOCK = "waiting for a file lock (a database?)"
COMPUTING = "running (computing)"  # running Python code (teaching gives it its own limit)
_CALLS = {
    "x86_64": {35: _SLEEP, 230: _SLEEP, 0: _SOCKET, 7: _SOCKET, 23: _SOCKET, 45: _SOCKET,
               47: _SOCKET, 270: _SOCKET, 271: _SOCKET, 202: _LOCK, 72: _FILE_LOCK},
    "aarch64": {101: _SLEEP, 115: _SLEEP, 63: _SOCKET, 72: _SOCKET, 73: _SOCKET, 207: _SOCKET,
                212: _SOCKET, 98: _LOCK, 25: _FILE_LOCK},
}.get(platform.machine(), {})  # fmt: skip


def _meaning(call: str) -> str:
    """``230 0x1 0x1 ...`` -> ``asleep (time.sleep)``."""
    head = call.split()[0] if call else ""
    if head.lstrip("-").isdigit():
        return _CALLS.get(int(head), f"in system call {head}")
    return f"in {head}" if head else "asleep"


@dataclass(frozen=True)
class Sample:
    time: float
    idle: bool  # in the loop's wait (epoll_wait)
    call: str | None  # the blocking system call line (number, arguments), None when running
    switches: int | None  # voluntary context switches so far
    cpu: float | None  # CPU time so far (s)
    queued: float | None  # run-queue delay so far (s)
    stopped: bool = False  # stopped by a signal (the whole process paused, say)


@dataclass(frozen=True)
class Stall:
    started: float
    seconds: float
    what: str  # what the thread was doing: "asleep (time.sleep)", "running (computing)", ...


def _read(path: str) -> str | None:
    try:
        with open(path, "rb", buffering=0) as file:
            return file.read(4096).decode(errors="replace")
    except OSError:
        return None


class _ProcFile:
    """A file under /proc, opened once and read again from its start at each sample: a quarter
    of the cost of opening it each time, which matters at 250 samples a second."""

    def __init__(self, path: str) -> None:
        try:
            self._fd: int | None = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            self._fd = None

    def read(self) -> bytes | None:
        if self._fd is None:
            return None
        try:
            return os.pread(self._fd, 4096, 0)
        except OSError:  # the thread has ended
            return None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _field(status: bytes, name: bytes) -> bytes | None:
    """The value of one ``Name:\tvalue`` line of /proc/.../status."""
    at = status.find(name)
    if at < 0:
        return None
    end = status.find(b"\n", at + len(name))
    return status[at + len(name) : end if end >= 0 else None].strip()


class ThreadObserver:
    """Samples one thread (``pid``'s thread ``tid``) in a thread of this process.

    ``with ThreadObserver(pid, tid) as seen: ...`` then ``seen.longest_stall(start, end)``.
    ``how`` says which signal told idle from busy: ``"syscall"``, ``"wchan"`` or ``None`` (the
    thread could not be observed: no /proc, or no permission).
    """

    def __init__(self, pid: int, tid: int | None = None, interval: float = 0.004) -> None:
        self.pid, self.tid = pid, tid or pid
        self.interval = interval
        self._base = f"/proc/{pid}/task/{self.tid}/"
        self.samples: list[Sample] = []
        self._times: list[float] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._files: dict[str, _ProcFile] = {}
        self.how = self._probe()

    def _probe(self) -> str | None:
        text = _read(self._base + "syscall")
        if text is not None and text.strip():
            return "syscall"
        if _read(self._base + "wchan") is not None:
            return "wchan"
        return None

    def _sample(self) -> Sample:
        now = time.perf_counter()
        call = None
        if self.how == "syscall":
            text = (self._files["syscall"].read() or b"running").split()
            if text and text[0] == b"running":
                idle = False
            else:
                number = int(text[0]) if text and text[0].lstrip(b"-").isdigit() else -1
                idle = number in _EPOLL_SYSCALLS
                call = b" ".join(text[:4]).decode()
        elif self.how == "wchan":
            where = (self._files["wchan"].read() or b"0").strip().decode(errors="replace")
            idle = "epoll" in where
            call = None if where == "0" else where
        else:
            idle, call = True, None
        status = self._files["status"].read() or b""
        # (at a line's start: "nonvoluntary_ctxt_switches:" ends with the same words)
        switches = _field(status, b"\nvoluntary_ctxt_switches:")
        state = _field(status, b"\nState:")
        stopped = state is not None and state[:1] in (b"T", b"t")
        sched = (self._files["schedstat"].read() or b"").split()
        cpu = int(sched[0]) / 1e9 if len(sched) >= 2 else None
        queued = int(sched[1]) / 1e9 if len(sched) >= 2 else None
        return Sample(now, idle, call, int(switches) if switches else None, cpu, queued, stopped)

    def _run(self) -> None:
        while not self._stop.is_set():
            sample = self._sample()
            self.samples.append(sample)
            self._times.append(sample.time)
            self._stop.wait(self.interval)

    def __enter__(self) -> ThreadObserver:
        if self.how is not None:
            names = ("syscall" if self.how == "syscall" else "wchan", "status", "schedstat")
            self._files = {name: _ProcFile(self._base + name) for name in names}
            self._thread = threading.Thread(target=self._run, name="judge-observer", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        for file in self._files.values():
            file.close()

    @property
    def observable(self) -> bool:
        return self.how is not None and os.path.exists(self._base)

    def stalls(self, start: float = 0.0, end: float = float("inf"), above: float = 0.02):
        """Every stall of more than ``above`` seconds between ``start`` and ``end``."""
        first = bisect.bisect_left(self._times, start)
        last = bisect.bisect_right(self._times, end)
        window = self.samples[first:last]
        found, stretch, charged, kinds, before = [], None, 0.0, set(), None
        for previous, sample in zip([None, *window], window, strict=False):
            if sample.idle:
                if stretch is not None:
                    charged += _cpu_between(previous, sample)
                    # Never less than the CPU time it used: the kernel updates the run-queue
                    # delay late, so a gap's wall clock minus it can come out short.
                    charged = max(charged, _cpu_between(before, sample))
                if stretch is not None and charged > above:
                    found.append(Stall(stretch, charged, _what(kinds)))
                stretch, charged, kinds = None, 0.0, set()
                continue
            kinds.add("running" if sample.call is None else _meaning(sample.call))
            if stretch is None or previous is None or previous.idle:
                # It left the loop's wait somewhere since the last sample: count the CPU time.
                stretch, charged = sample.time, _cpu_between(previous, sample)
                before = previous if previous is not None else sample
                continue
            charged += self._charge(previous, sample)
        if stretch is not None:
            charged = max(charged, _cpu_between(before, window[-1]))
            if charged > above:
                found.append(Stall(stretch, charged, _what(kinds)))
        return found

    def asleep_for(self) -> float:
        """How long the thread has slept in one blocking system call (the same call in every
        sample up to the latest), outside the loop's wait; 0 when it is not asleep so now."""
        samples = self.samples
        if not samples or samples[-1].idle or samples[-1].call is None:
            return 0.0
        last = samples[-1]
        number, since = last.call.split()[0], last.time
        for sample in reversed(samples):
            if sample.idle or sample.call is None or sample.call.split()[0] != number:
                break
            since = sample.time
        return last.time - since

    def longest_stall(self, start: float = 0.0, end: float = float("inf")) -> float:
        return max((s.seconds for s in self.stalls(start, end, above=0.0)), default=0.0)

    def _charge(self, a: Sample, b: Sample) -> float:
        """What the thread did between two busy samples: CPU time plus sleep, not waiting for a
        CPU; across a gap, only if it provably stayed in one call (no voluntary switch)."""
        gap = b.time - a.time
        queued = (b.queued - a.queued) if None not in (a.queued, b.queued) else 0.0
        cpu = (b.cpu - a.cpu) if None not in (a.cpu, b.cpu) else None
        if a.stopped or b.stopped:  # paused by a signal: only what it computed counts
            return max(0.0, cpu) if cpu is not None else 0.0
        if gap <= _HOLE * self.interval * 2 or (
            a.switches is not None and a.switches == b.switches
        ):
            return max(0.0, gap - max(0.0, queued))
        return max(0.0, cpu) if cpu is not None else 0.0


def _cpu_between(a: Sample | None, b: Sample) -> float:
    if a is None or a.cpu is None or b.cpu is None:
        return 0.0
    return max(0.0, b.cpu - a.cpu)


def _what(kinds: set[str]) -> str:
    """The most telling thing the thread did: a blocking call beats plain running."""
    for meaning in (_SLEEP, _SOCKET, _FILE_LOCK):
        if meaning in kinds:
            return meaning
    waits = sorted(k for k in kinds if k not in ("running", _LOCK))
    if waits:
        return waits[0]
    return COMPUTING if "running" in kinds else _LOCK
