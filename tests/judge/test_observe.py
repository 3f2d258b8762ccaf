"""The judge sees a kernel's loop stall from outside, and charges only what the loop's thread did.

Each test serves a view in a process of its own (tests/judge/served.py), as a grading kernel
does, and watches it from this process: its replies, the heartbeat (judge/probe.py) and the
loop thread's /proc records (judge/observe.py).
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

import pytest

from autograder.judge.observe import ThreadObserver
from tests.conftest import run
from tests.judge.served import served, stage

pytestmark = pytest.mark.grading

VIEWS = """
import asyncio, time
from django.http import JsonResponse

async def sleeps(request):          # time.sleep in an async view: the loop stops
    time.sleep(float(request.GET["s"]))
    return JsonResponse({})

async def computes(request):        # a CPU loop (s seconds of CPU): the loop stops too
    end = time.thread_time() + float(request.GET["s"])
    while time.thread_time() < end:
        pass
    return JsonResponse({})

async def waits(request):           # what a correct view does
    await asyncio.sleep(float(request.GET["s"]))
    return JsonResponse({})

async def chatters(request):        # a busy loop of short turns: never blocked for long
    for _ in range(200):
        sum(range(2000))
        await asyncio.sleep(0)
    return JsonResponse({})
"""
NAMES = ["sleeps", "computes", "waits", "chatters"]


@pytest.fixture(scope="module")
def notebook():
    with served(VIEWS, NAMES) as notebook:
        yield notebook


async def _stall(notebook, view, paths, *, pause=None):
    async with stage(notebook) as judge:
        await judge.run("waits", ["/?s=0"])  # warm: the first request imports what it needs
        if pause is None:
            result = await judge.run(view, paths)
        else:
            task = asyncio.create_task(judge.run(view, paths))
            await asyncio.sleep(pause[0])
            os.kill(notebook.pid, signal.SIGSTOP)
            await asyncio.sleep(pause[1])
            os.kill(notebook.pid, signal.SIGCONT)
            result = await task
        assert all(r.outcome == "response" for r in result.replies)
        return result


def test_time_sleep_in_a_view_is_a_stall_of_its_length(notebook):
    result = run(_stall(notebook, "sleeps", ["/?s=0.3"]))
    assert 0.25 <= result.stall <= 0.6
    assert result.stall_what == "asleep (time.sleep)"


def test_a_cpu_loop_is_a_stall_of_its_cpu_time(notebook):
    result = run(_stall(notebook, "computes", ["/?s=0.3"]))
    assert 0.2 <= result.stall <= 0.6
    assert result.stall_what == "running (computing)"


def test_waiting_with_await_is_no_stall(notebook):
    result = run(_stall(notebook, "waits", ["/?s=0.3"] * 10))
    assert result.stall < 0.05, result.stalls
    assert result.elapsed < 1.0


def test_a_loop_busy_with_many_short_turns_is_not_charged_for_all_of_them(notebook):
    result = run(_stall(notebook, "chatters", ["/"] * 20))
    assert result.stall < 0.05, result.stalls


def test_a_paused_process_is_not_charged_while_its_loop_waits(notebook):
    # The whole kernel stopped for 0.3 s (the machine's doing, not the view's) while the view
    # awaits: its reply is late, but the loop's thread did nothing meanwhile.
    result = run(_stall(notebook, "waits", ["/?s=0.5"], pause=(0.1, 0.3)))
    assert result.elapsed >= 0.5
    assert result.stall < 0.05, result.stalls


def test_a_pause_inside_time_sleep_does_not_hide_the_sleep(notebook):
    result = run(_stall(notebook, "sleeps", ["/?s=0.6"], pause=(0.1, 0.2)))
    assert result.stall >= 0.3, result.stalls


def test_a_thread_that_cannot_be_observed_says_so():
    observer = ThreadObserver(pid=2**22 + 12345)  # no such process
    assert observer.how is None and not observer.observable
    with observer:
        time.sleep(0.01)
    assert observer.stalls() == []


def test_a_sample_reads_the_threads_counters():
    # The voluntary switches tell a thread that stayed in one call across a gap in the samples
    # ("nonvoluntary_ctxt_switches:" ends with the same words: the line's start counts).
    with ThreadObserver(os.getpid(), threading.get_native_id()) as observer:
        time.sleep(0.05)
    sample = observer.samples[-1]
    assert isinstance(sample.switches, int) and sample.switches > 0, sample
    assert sample.cpu is not None and sample.queued is not None and not sample.stopped, sample
