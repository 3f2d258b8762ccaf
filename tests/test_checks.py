"""The grading core against right and wrong implementations of two small exercises.

``fetch_three``: fetch three fake upstreams (0.3 s each) and return their JSON together. Right
answers gather the calls; wrong ones await them one by one, block with ``time.sleep``, use a sync
client, or patch the clock so a sequential answer would look fast. ``wait_then_greet``: wait
``delay`` seconds without blocking, then greet; ten requests are run at once.
Every wrong answer must fail with a message that names its mistake.
"""

import asyncio
import time
import traceback

import httpx
import pytest
from asgiref.sync import sync_to_async
from django.http import JsonResponse

from autograder import (
    CheckFailed,
    FakeUpstream,
    GradingTampered,
    Route,
    assert_all_answered,
    assert_async_view,
    assert_faster_than,
    assert_json,
    assert_json_error,
    assert_loop_never_blocked,
    assert_upstream_calls_overlapped,
    assert_views_overlapped,
    run_once,
    run_view,
    summary,
)
from tests.conftest import run

pytestmark = pytest.mark.grading

DELAY = 0.3
URLS = {name: f"https://{name}.example/" for name in ("weather", "news", "stocks")}
upstream = FakeUpstream({})  # replaced per test; the views reach it through upstream_client()


def upstream_client() -> httpx.AsyncClient:
    return upstream.client()


# --- fetch_three: right answers ------------------------------------------------------------------


async def fetch_three_gather(request):
    async with upstream_client() as client:
        responses = await asyncio.gather(*(client.get(url) for url in URLS.values()))
    return JsonResponse({name: r.json() for name, r in zip(URLS, responses, strict=True)})


async def fetch_three_task_group(request):
    async with upstream_client() as client, asyncio.TaskGroup() as group:
        tasks = {name: group.create_task(client.get(url)) for name, url in URLS.items()}
    return JsonResponse({name: task.result().json() for name, task in tasks.items()})


async def fetch_three_as_completed(request):
    async def fetch(client, name):
        return name, (await client.get(URLS[name])).json()

    async with upstream_client() as client:
        results = [await done for done in asyncio.as_completed([fetch(client, n) for n in URLS])]
    return JsonResponse(dict(results))


# --- fetch_three: wrong answers ------------------------------------------------------------------


async def fetch_three_sequential(request):
    async with upstream_client() as client:
        return JsonResponse({name: (await client.get(url)).json() for name, url in URLS.items()})


async def fetch_three_time_sleep(request):
    time.sleep(DELAY)  # "simulating" the wait
    return await fetch_three_gather(request)


async def fetch_three_sync_client(request):
    with httpx.Client(transport=upstream) as client:
        return JsonResponse({name: client.get(url).json() for name, url in URLS.items()})


async def fetch_three_clock_patching(request):
    real = time.perf_counter
    time.perf_counter = lambda: real() / 100  # make every duration look 100 times shorter
    asyncio.gather = lambda *aws, **kw: asyncio.tasks.gather(*aws, **kw)
    return await fetch_three_sequential(request)


def fetch_three_sync_view(request):
    return JsonResponse({})


async def fetch_three_forgot_await(request):
    async with upstream_client() as client:
        responses = asyncio.gather(*(client.get(url) for url in URLS.values()))
        return JsonResponse({"results": responses})


async def fetch_three_awaits_response(request):
    return await JsonResponse({})


async def grade_fetch_three(view):
    """What a hidden test for fetch_three would do."""
    global upstream
    upstream = FakeUpstream({url: Route(json={"name": n}, delay=DELAY) for n, url in URLS.items()})
    assert_async_view(view)
    result = await run_view(view, ["/dashboard/"])
    assert_json(result.call, {name: {"name": name} for name in URLS}, result.view_name)
    assert_loop_never_blocked(result)
    assert_upstream_calls_overlapped(upstream, 3, result.view_name)
    assert_faster_than(result, 2 * DELAY, 3 * DELAY, "fetching three upstreams")
    return result


@pytest.mark.parametrize(
    "view", [fetch_three_gather, fetch_three_task_group, fetch_three_as_completed]
)
def test_right_fetch_three_passes(view):
    result = run(grade_fetch_three(view))
    assert result.elapsed < 2 * DELAY
    assert result.loop_stall_seconds < 0.1
    assert "1 request(s)" in summary(result)


@pytest.mark.parametrize(
    ("view", "error", "fragments"),
    [
        (
            fetch_three_sequential,
            CheckFailed,
            ["at most 1 were in flight", "sequential awaits", "asyncio.gather"],
        ),
        (fetch_three_time_sleep, CheckFailed, ["event loop was blocked for 0.", "`time.sleep`"]),
        (fetch_three_sync_client, CheckFailed, ["event loop was blocked", "sync HTTP client"]),
        (
            fetch_three_clock_patching,
            GradingTampered,
            ["`time.perf_counter` was replaced", "`asyncio.gather` was replaced"],
        ),
        (fetch_three_sync_view, CheckFailed, ["regular (synchronous) function", "async def"]),
        (fetch_three_forgot_await, CheckFailed, ["TypeError", "without `await`"]),
        (fetch_three_awaits_response, CheckFailed, ["not awaitable", "without `await`"]),
    ],
)
def test_wrong_fetch_three_fails_and_says_why(monkeypatch, view, error, fragments):
    # The clock-patching answer rebinds module attributes; monkeypatch puts them back afterwards.
    monkeypatch.setattr(time, "perf_counter", time.perf_counter)
    monkeypatch.setattr(asyncio, "gather", asyncio.gather)
    with pytest.raises(error) as failure:
        run(grade_fetch_three(view))
    for fragment in fragments:
        assert fragment in str(failure.value)


# --- wait_then_greet -----------------------------------------------------------------------------


async def greet_async_sleep(request):
    await asyncio.sleep(float(request.GET.get("delay", 0)))
    return JsonResponse({"greeting": "Hello!"})


async def greet_to_thread(request):
    await asyncio.to_thread(time.sleep, float(request.GET.get("delay", 0)))
    return JsonResponse({"greeting": "Hello!"})


async def greet_sync_to_async_pool(request):
    await sync_to_async(time.sleep, thread_sensitive=False)(float(request.GET.get("delay", 0)))
    return JsonResponse({"greeting": "Hello!"})


async def greet_time_sleep(request):
    time.sleep(float(request.GET.get("delay", 0)))
    return JsonResponse({"greeting": "Hello!"})


async def greet_default_sync_to_async(request):
    # thread_sensitive=True runs every call on one shared thread: one at a time.
    await sync_to_async(time.sleep)(float(request.GET.get("delay", 0)))
    return JsonResponse({"greeting": "Hello!"})


async def greet_cpu_wait(request):
    deadline = time.perf_counter() + float(request.GET.get("delay", 0))
    while time.perf_counter() < deadline:
        pass
    return JsonResponse({"greeting": "Hello!"})


async def grade_greet(view, delay=0.2, times=10):
    result = await run_view(view, [f"/?delay={delay}"] * times)
    assert_all_answered(result)
    assert_loop_never_blocked(result)
    assert_views_overlapped(result)
    assert_faster_than(result, times * delay / 2, times * delay, f"{times} requests")
    return result


@pytest.mark.parametrize("view", [greet_async_sleep, greet_to_thread, greet_sync_to_async_pool])
def test_right_greet_passes(view):
    result = run(grade_greet(view, times=5))
    assert result.peak_in_flight == 5


@pytest.mark.parametrize(
    ("view", "fragments"),
    [
        (greet_time_sleep, ["event loop was blocked", "`time.sleep`"]),
        (greet_cpu_wait, ["event loop was blocked", "CPU loop"]),
        (greet_default_sync_to_async, ["took", "one at a time"]),
    ],
)
def test_wrong_greet_fails_and_says_why(view, fragments):
    with pytest.raises(CheckFailed) as failure:
        run(grade_greet(view, times=5))
    for fragment in fragments:
        assert fragment in str(failure.value)


def test_blocking_views_never_overlap():
    result = run(run_view(greet_time_sleep, ["/?delay=0.05"] * 4))
    with pytest.raises(CheckFailed, match="at most 1 were in progress at the same time"):
        assert_views_overlapped(result)


# --- what a run records --------------------------------------------------------------------------


async def noisy(request):
    import sys
    import warnings

    print("debugging output")
    print("a warning of my own", file=sys.stderr)
    warnings.warn("old API", DeprecationWarning, stacklevel=1)
    return JsonResponse({"error": "no"}, status=400)


async def forgets_await_silently(request):
    asyncio.sleep(0.01)  # never awaited: Python warns when the coroutine is collected
    return JsonResponse({})


async def hangs(request):
    await asyncio.Event().wait()


async def uses_sync_orm(request):
    from demo_project.catalog.models import Book

    return JsonResponse({"first": str(Book.objects.first())})


def test_output_and_warnings_are_captured_not_leaked(capsys):
    result = run(run_view(noisy, ["/"]))
    assert result.stdout == "debugging output\n"
    assert result.stderr == "a warning of my own\n"
    assert any("old API" in w for w in result.warnings)
    assert capsys.readouterr() == ("", "")
    assert_json_error(result.call, 400)


def test_never_awaited_coroutine_is_named():
    result = run(run_view(forgets_await_silently, ["/"]))
    with pytest.raises(CheckFailed, match="coroutine 'sleep' was never awaited"):
        assert_all_answered(result)


def test_hanging_view_is_cut_off_at_the_time_limit():
    result = run(run_view(hangs, ["/"], time_limit=0.2))
    assert result.timed_out and result.elapsed < 2
    with pytest.raises(CheckFailed, match="did not finish in time"):
        assert_all_answered(result)


def test_sync_orm_in_async_view_is_explained():
    call = run(run_once(uses_sync_orm, "/"))
    assert type(call.exception).__name__ == "SynchronousOnlyOperation"
    with pytest.raises(CheckFailed, match=r"(?s)SynchronousOnlyOperation.*afirst\(\)"):
        assert_all_answered(run(run_view(uses_sync_orm, ["/"])))


def test_wrong_status_and_body_are_shown():
    call = run(run_once(greet_async_sleep, "/?delay=0"))
    with pytest.raises(CheckFailed, match=r"answered 200 with body .*Hello.*expected 400"):
        assert_json_error(call, 400)
    with pytest.raises(CheckFailed, match="expected {'greeting': 'Hi!'}"):
        assert_json(call, {"greeting": "Hi!"})


async def placeholder_stub(request):
    # YOUR CODE HERE
    raise NotImplementedError()


def test_untouched_placeholder_says_the_answer_is_not_written_yet():
    with pytest.raises(CheckFailed, match=r"(?s)raised NotImplementedError.*not been written yet"):
        assert_all_answered(run(run_view(placeholder_stub, ["/"])))


def test_failed_check_shows_its_message_wrapped_without_the_graders_frames():
    with pytest.raises(CheckFailed) as failure:
        assert_all_answered(run(run_view(placeholder_stub, ["/"])))
    # What IPython shows instead of a traceback (notebook, Validate dialog): the message only.
    lines = failure.value._render_traceback_()
    assert lines[0].startswith("CheckFailed: placeholder_stub: for GET /")
    assert max(len(line) for line in lines) <= 88
    assert " ".join(lines).split() == f"CheckFailed: {failure.value}".split()
    # And the traceback itself no longer walks through the checks' source.
    files = [frame.filename for frame in traceback.extract_tb(failure.value.__traceback__)]
    assert not any(name.endswith("autograder/checks.py") for name in files), files
