"""The stall detector tells a loop that kept running from one that a blocking call stopped."""

import asyncio
import gc
import os
import subprocess
import sys
import threading
import time

import pytest

from autograder.runtime import loopwatch as loop_watch
from autograder.runtime.loopwatch import LoopStallDetector
from tests.conftest import run

pytestmark = pytest.mark.grading


@pytest.fixture(autouse=True, params=["with /proc", "without /proc"])
def proc_files(request, monkeypatch):
    """Every test runs twice: with the thread's /proc counters, and as on a system without them."""
    if request.param == "without /proc":
        monkeypatch.setattr(loop_watch._ThreadProc, "_read", lambda self, name: None)


async def watch(work):
    async with LoopStallDetector() as detector:
        await work()
    return detector


def test_awaiting_keeps_the_loop_running():
    async def work():
        await asyncio.gather(*(asyncio.sleep(0.2) for _ in range(20)))

    detector = run(watch(work))
    assert detector.longest_stall < 0.05
    assert detector.beats > 10


def test_time_sleep_is_a_stall_of_its_length():
    async def work():
        await asyncio.sleep(0.02)
        time.sleep(0.3)
        await asyncio.sleep(0.02)

    detector = run(watch(work))
    assert 0.25 < detector.longest_stall < 1.5
    assert [round(stall.seconds, 1) for stall in detector.stalls] == [0.3]


def test_block_right_before_exit_is_measured():
    async def work():
        time.sleep(0.2)

    assert run(watch(work)).longest_stall > 0.15


def test_cpu_loop_is_a_stall_of_its_cpu_time():
    # A fixed amount of work (0.25 s of CPU), as real code does: on a busy machine it takes
    # longer by the clock, but the verdict must not depend on how busy the machine is.
    async def work():
        deadline = time.thread_time() + 0.25
        while time.thread_time() < deadline:
            pass

    assert 0.2 < run(watch(work)).longest_stall < 1.5


def test_work_in_a_thread_is_not_a_stall():
    async def work():
        await asyncio.gather(*(asyncio.to_thread(time.sleep, 0.2) for _ in range(4)))

    assert run(watch(work)).longest_stall < 0.05


def _pause_this_process(after: float, seconds: float) -> subprocess.Popen:
    """Stop the whole process for a while, as a loaded host that does not schedule it would."""
    script = f"sleep {after}; kill -STOP {os.getpid()}; sleep {seconds}; kill -CONT {os.getpid()}"
    return subprocess.Popen(["sh", "-c", script])


@pytest.mark.skipif(sys.platform != "linux", reason="stops the process with SIGSTOP")
def test_time_the_process_was_not_running_is_not_charged():
    async def work():
        pauser = _pause_this_process(after=0.05, seconds=0.3)
        await asyncio.gather(*(asyncio.sleep(0.5) for _ in range(20)))
        pauser.wait()

    detector = run(watch(work))
    assert detector.longest_lateness > 0.25  # the heartbeat did see the pause...
    assert detector.longest_stall < 0.05  # ...and it is not blamed on the code


@pytest.mark.skipif(sys.platform != "linux", reason="stops the process with SIGSTOP")
def test_blocking_is_charged_even_when_the_process_was_paused_during_it():
    async def work():
        pauser = _pause_this_process(after=0.1, seconds=0.2)
        time.sleep(0.5)
        pauser.wait()

    assert 0.4 < run(watch(work)).longest_stall < 1.5


def test_garbage_collection_waits_until_the_detector_is_done():
    async def work():
        assert not gc.isenabled()

    assert gc.isenabled()
    run(watch(work))
    assert gc.isenabled()


def test_the_watchdog_thread_is_gone_afterwards():
    before = threading.active_count()
    run(watch(lambda: asyncio.sleep(0.05)))
    assert threading.active_count() == before
