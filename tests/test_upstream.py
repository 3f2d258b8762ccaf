"""FakeUpstream records when each call started and ended, how it ended, and the peak in flight."""

import asyncio

import httpx
import pytest

from autograder.loop_watch import LoopStallDetector
from autograder.upstream import Failure, FakeUpstream, Route
from tests.conftest import run

pytestmark = pytest.mark.grading

URLS = [f"https://{name}.example/" for name in ("weather", "news", "stocks")]


def services(delay=0.2, **overrides):
    routes = {url: Route(json={"from": url}, delay=delay) for url in URLS}
    routes.update(overrides)
    return FakeUpstream(routes)


def test_gathered_calls_overlap():
    upstream = services()

    async def fetch_all():
        async with upstream.client() as client:
            return await asyncio.gather(*(client.get(url) for url in URLS))

    responses = run(fetch_all())
    assert [r.json() for r in responses] == [{"from": url} for url in URLS]
    assert upstream.peak_in_flight == 3
    assert upstream.in_flight == 0
    assert [call.outcome for call in upstream.calls] == ["ok"] * 3
    starts = sorted(call.started for call in upstream.calls)
    assert starts[-1] - starts[0] < 0.1  # all started before the first one ended


def test_sequential_calls_never_overlap():
    upstream = services(delay=0.05)

    async def fetch_one_by_one():
        async with upstream.client() as client:
            for url in URLS:
                await client.get(url)

    run(fetch_one_by_one())
    assert upstream.peak_in_flight == 1
    calls = upstream.calls
    assert all(a.ended <= b.started for a, b in zip(calls, calls[1:], strict=False))


def test_failures_are_answered_and_recorded():
    upstream = FakeUpstream(
        {
            "https://down.example": Route(failure=Failure.CONNECT),
            "https://broken.example": Route(status=503, json={"detail": "maintenance"}),
            "https://slowpoke.example": Route(failure=Failure.READ_TIMEOUT, delay=0.01),
            "https://html.example": Route(failure=Failure.INVALID_JSON),
        }
    )

    async def scenario():
        async with upstream.client() as client:
            with pytest.raises(httpx.ConnectError):
                await client.get("https://down.example/x")
            assert (await client.get("https://broken.example/")).status_code == 503
            with pytest.raises(httpx.ReadTimeout):
                await client.get("https://slowpoke.example/")
            with pytest.raises(ValueError):
                (await client.get("https://html.example/")).json()
            with pytest.raises(httpx.ConnectError, match="no fake upstream"):
                await client.get("https://unknown.example/")

    run(scenario())
    assert [call.outcome for call in upstream.calls] == [
        "connect error",
        "status 503",
        "read timeout",
        "ok",
        "connect error",
    ]


def test_cancelled_call_is_recorded_as_cancelled():
    upstream = services(delay=5)

    async def give_up_early():
        async with upstream.client() as client:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(client.get(URLS[0]), timeout=0.05)

    run(give_up_early())
    (call,) = upstream.calls
    assert call.outcome == "cancelled"
    assert call.seconds < 1
    assert upstream.in_flight == 0


def test_sync_client_is_recorded_and_blocks_the_loop():
    upstream = services(delay=0.2)

    async def sync_inside_async():
        async with LoopStallDetector() as watch:
            with httpx.Client(transport=upstream) as client:
                client.get(URLS[0])
        return watch

    watch = run(sync_inside_async())
    assert upstream.calls[0].sync is True
    assert watch.longest_stall > 0.15


def test_reset_forgets_calls():
    upstream = services(delay=0)

    async def one():
        async with upstream.client() as client:
            await client.get(URLS[0])

    run(one())
    upstream.reset()
    assert upstream.calls == [] and upstream.peak_in_flight == 0
