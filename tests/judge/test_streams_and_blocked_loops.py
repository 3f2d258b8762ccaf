"""Stage.stream reads a response as a client does; a loop blocked for good can be broken.

The views are served the way a Validate preview serves them (uvicorn on a socket of this process,
Django's ASGI handler), and the stage is the judge's own.
"""

import asyncio
import contextlib
import os
import threading
import time

import pytest
from django.core.cache import cache
from django.http import JsonResponse, StreamingHttpResponse

from autograder.judge.client import Event, ViewClient, split_events
from autograder.judge.data import Draw
from autograder.judge.observe import ThreadObserver
from autograder.judge.probe import LoopProbe
from autograder.judge.stage import Stage
from autograder.runtime import serve
from autograder.runtime.simulated.services import ServicesThread
from tests.conftest import run

pytestmark = pytest.mark.grading

ENDED: list[str] = []  # how each stream of `ticks` ended
LOCK = threading.Lock()


async def ticks(request):
    count = int(request.GET["count"])

    async def events():
        try:
            for number in range(count):
                if number:
                    await asyncio.sleep(0.2)
                yield f"data: {number}\n\n"
        except asyncio.CancelledError:
            ENDED.append("cancelled")
            raise
        ENDED.append("finished")

    return StreamingHttpResponse(events(), content_type="text/event-stream")


ARRIVED: list[int] = []  # the requests of `deadlock` that have begun


async def deadlock(request):
    ARRIVED.append(1)
    with LOCK:  # a threading.Lock held across an await: the second request blocks the loop
        # The first keeps it until all three have come (however late a loaded machine sends
        # the third), so that the second and the third each block the loop.
        while len(ARRIVED) < 3:
            await asyncio.sleep(0.05)
    return JsonResponse({"ok": True})


async def hello(request):
    return JsonResponse({"hello": "world"})


async def busy(request):
    # 1.2 s of this thread's CPU time (the observer charges a loop for what its thread did, and
    # a busy machine stretches 1.5 s of CPU over more wall-clock time): blocks the loop too, but
    # it is running
    started = time.thread_time()
    while time.thread_time() - started < 1.2:
        pass
    return JsonResponse({"busy": True})


@contextlib.asynccontextmanager
async def staged(views):
    station = ServicesThread()
    socket_path = serve.preview_socket()
    client = ViewClient(socket_path)
    namespace = {"ticks": ticks, "deadlock": deadlock, "hello": hello, "busy": busy}
    try:
        with ThreadObserver(os.getpid(), threading.get_native_id()) as observer:
            async with serve.session(socket_path, namespace, views) as app:
                with LoopProbe(socket_path) as probe:
                    yield Stage(
                        client=client,
                        services=station,
                        observer=observer,
                        probe=probe,
                        database=None,
                        draw=Draw(b"tests"),
                        preview=True,
                        interrupt=(lambda: os.kill(os.getpid(), serve.UNBLOCK_SIGNAL))
                        if app.guarded
                        else None,
                    )
    finally:
        await client.aclose()
        station.stop()
        await serve.stop_servers()


def test_events_are_split_on_blank_lines_and_read_like_an_event_source():
    events, rest = split_events("data: a\r\n\r\nid: 3\ndata: b\ndata:c\n\n: note\n\ndata: half")
    assert events == ["data: a", "id: 3\ndata: b\ndata:c", ": note"]
    assert rest == "data: half"
    assert [Event(0.0, text).data for text in events] == ["a", "b\nc", ""]


def test_a_stream_is_read_event_by_event_as_it_arrives():
    async def scenario():
        ENDED.clear()
        async with staged(["ticks"]) as stage:
            return await stage.stream("ticks", ["/?count=3"], time_limit=5.0)

    run_ = run(scenario())
    (stream,) = run_.streams
    assert stream.reply.status == 200 and stream.complete and stream.closed is None
    assert [event.data for event in stream.events] == ["0", "1", "2"]
    arrived = [event.arrived for event in stream.events]
    assert all(0.15 < b - a < 0.5 for a, b in zip(arrived, arrived[1:], strict=False)), arrived
    assert ENDED == ["finished"]


def test_a_client_that_hangs_up_after_two_events_makes_django_cancel_the_stream():
    async def scenario():
        ENDED.clear()
        async with staged(["ticks"]) as stage:
            found = await stage.stream("ticks", ["/?count=20"], time_limit=5.0, stop_after=2)
            await asyncio.sleep(0.3)  # the server notices, Django cancels the generator
            return found

    (stream,) = run(scenario()).streams
    assert len(stream.events) == 2 and not stream.complete
    assert stream.closed is not None and stream.closed >= stream.events[-1].arrived
    assert ENDED == ["cancelled"]


def test_a_loop_blocked_for_good_is_broken_where_it_waits_and_serving_goes_on():
    # If the break did not work this test would hang: a thread releases the lock now and then
    # after a while, so that it fails instead.
    done = threading.Event()

    def rescue():
        if not done.wait(15.0):
            while not done.wait(0.1):
                if LOCK.locked():
                    LOCK.release()

    threading.Thread(target=rescue, daemon=True).start()
    ARRIVED.clear()

    async def scenario():
        async with staged(["deadlock", "hello"]) as stage:
            blocked = await stage.run("deadlock", ["/"] * 3, time_limit=10.0, unblock_after=0.5)
            after = await stage.once("hello", "/")
            return stage, blocked, after

    try:
        stage, blocked, after = run(scenario())
    finally:
        done.set()
    outcomes = sorted(reply.outcome for reply in blocked.replies)
    assert outcomes == ["exception", "exception", "response"], outcomes
    for reply in blocked.replies:
        if reply.outcome == "exception":
            assert reply.exception["type"] == "LoopBlocked"
            assert (
                reply.exception["where"][-1][2] == "with LOCK:  # a threading.Lock held "
                "across an await: the second request blocks the loop"
            )
    assert stage.unblocked >= 2
    assert blocked.stall >= 0.5
    assert after.status == 200 and after.json() == {"hello": "world"}


def test_a_loop_that_runs_is_not_broken_only_one_asleep_in_a_blocking_call():
    # A loop that computes (or lacks a CPU on a loaded machine) is not deaf for good: breaking
    # it would raise at some random line of a view that would have finished.
    async def scenario():
        async with staged(["busy"]) as stage:
            # (a loaded machine may take several times 1.2 s to give it that much CPU)
            return stage, await stage.run("busy", ["/"], time_limit=20.0, unblock_after=0.5)

    stage, computed = run(scenario())
    assert stage.unblocked == 0
    assert computed.reply.status == 200 and computed.stall > 1.0


def test_the_unblock_signal_does_nothing_while_the_loop_turns():
    async def scenario():
        async with staged(["hello"]) as stage:
            stage.interrupt()
            await asyncio.sleep(0.2)  # the handler runs here, on a loop that turns
            return await stage.once("hello", "/")

    reply = run(scenario())
    assert reply.status == 200 and reply.json() == {"hello": "world"}


def test_a_session_can_start_with_an_empty_cache():
    async def scenario():
        await cache.aset("left-behind", "by a try-it cell")
        path = serve.preview_socket()
        async with serve.session(path, {}, ["hello"]):
            kept = await cache.aget("left-behind")
        async with serve.session(path, {}, ["hello"], clear_cache=True):
            cleared = await cache.aget("left-behind")
        await serve.stop_servers()
        return kept, cleared

    assert run(scenario()) == ("by a try-it cell", None)
