"""The stall detector tells a loop that kept running from one that a blocking call stopped."""

import asyncio
import time

import pytest

from autograder.loop_watch import LoopStallDetector
from tests.conftest import run

pytestmark = pytest.mark.grading


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


def test_cpu_loop_is_a_stall():
    async def work():
        deadline = time.perf_counter() + 0.25
        while time.perf_counter() < deadline:
            pass

    assert run(watch(work)).longest_stall > 0.2


def test_work_in_a_thread_is_not_a_stall():
    async def work():
        await asyncio.gather(*(asyncio.to_thread(time.sleep, 0.2) for _ in range(4)))

    assert run(watch(work)).longest_stall < 0.05
