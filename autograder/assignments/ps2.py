"""Checks for ps2_concurrent_io: ``dashboard`` (fan out with timeouts), ``first_mirror`` (a race).

The notebook's provided cell defines ``UPSTREAMS``, ``UPSTREAM_TIMEOUT`` and ``MIRRORS`` exactly as
below, and ``upstream_client()``, an ``httpx.AsyncClient`` on :func:`upstream_transport`. That
transport hands every request to the fake upstream *in use now*: a calm one while a student tries
things out, and a scenario-specific ``FakeUpstream`` (a slow, failing or racing service) for the
duration of a check, so the check reads from its record which calls overlapped, which were
cancelled and which were still running when the view had answered.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx

from autograder import integrity as ref
from autograder.checks import (
    assert_all_answered,
    assert_answered,
    assert_async_view,
    assert_faster_than,
    assert_json,
    assert_json_error,
    assert_loop_never_blocked,
    assert_upstream_calls_overlapped,
    teaching_failure,
)
from autograder.integrity import guarded
from autograder.runner import ViewRun, run_view
from autograder.substitute import substituted
from autograder.upstream import Failure, FakeUpstream, Route, UpstreamCall

UPSTREAMS = {
    "weather": "https://weather.example/api/today",
    "news": "https://news.example/api/headlines",
    "stocks": "https://stocks.example/api/quotes",
}
UPSTREAM_TIMEOUT = 1.0
MIRRORS = [
    "https://eu.mirror.example/catalog.json",
    "https://us.mirror.example/catalog.json",
    "https://asia.mirror.example/catalog.json",
    "https://au.mirror.example/catalog.json",
]

WEATHER, NEWS, STOCKS = UPSTREAMS.values()
M_EU, M_US, M_ASIA, M_AU = MIRRORS
BODIES = {
    WEATHER: {"city": "Lisbon", "temperature_c": 19, "sky": "sunny"},
    NEWS: {"headlines": ["Django 6.1 is out", "Tram 28 runs again"]},
    STOCKS: {"ACME": 123.45, "GLOBEX": 42.0},
    **{
        url: {"release": "2026.11", "packages": 1204, "served_by": urlsplit(url).hostname}
        for url in MIRRORS
    },
}

# A call the view cancelled without awaiting ends on one of the next turns of the event loop:
# allow this long between the view's answer and the end of a call it gave up on. Loaded grading
# machines (2 cores, load average 7) delay a turn of the loop by up to 0.11 s; a call left
# running here goes on for 0.6 s or more.
CANCEL_GRACE = 0.25
# The blocking mistakes in this assignment (time.sleep, a sync client) block the loop for whole
# upstream delays, 0.3 s or more; the same loaded machines show stalls of up to 0.11 s in
# correct answers, more than checks.DEFAULT_STALL_LIMIT.
STALL_LIMIT = 0.25
# How long a dashboard may take when one upstream hangs: the timeout, and half of it again.
TIMEOUT_ALLOWANCE = 1.5 * UPSTREAM_TIMEOUT
SLOW_DELAY = 3.0


# --- the upstream behind upstream_client() ---------------------------------------------------


def _routes(delays: dict[str, float], **changes: Route) -> dict[str, Route]:
    """Every service answering 200 with its body after its delay, except the ``changes``."""
    routes = {url: Route(json=BODIES[url], delay=delay) for url, delay in delays.items()}
    return {**routes, **changes}


CALM_DELAYS = {WEATHER: 0.2, NEWS: 0.3, STOCKS: 0.25,
               M_EU: 0.45, M_US: 0.15, M_ASIA: 0.6, M_AU: 0.3}  # fmt: skip
MAINTENANCE = {"detail": "down for maintenance"}

# For "try it" cells: ``with ps2.scenario("stormy"): await try_view(dashboard, "/dashboard/")``.
SCENARIOS = {
    "calm": "every service answers 200 within 0.6 s",
    "stormy": "news answers 503 and stocks takes 3 s (weather is fine)",
    "flaky_mirrors": "the two fastest mirrors fail (503, connection refused)",
    "mirrors_down": "every mirror fails",
}


def _scenario_routes(name: str) -> dict[str, Route]:
    changes = {
        "calm": {},
        "stormy": {
            NEWS: Route(json=MAINTENANCE, status=503, delay=0.1),
            STOCKS: Route(json=BODIES[STOCKS], delay=SLOW_DELAY),
        },
        "flaky_mirrors": {
            M_US: Route(json=MAINTENANCE, status=503, delay=0.15),
            M_AU: Route(failure=Failure.CONNECT),
        },
        "mirrors_down": {
            M_EU: Route(json=MAINTENANCE, status=503, delay=0.1),
            M_US: Route(failure=Failure.CONNECT),
            M_ASIA: Route(failure=Failure.READ_TIMEOUT, delay=0.3),
            M_AU: Route(json={"detail": "internal error"}, status=500, delay=0.2),
        },
    }[name]
    return _routes(CALM_DELAYS, **changes)


_in_use: list[FakeUpstream] = [FakeUpstream(_scenario_routes("calm"))]


class CurrentUpstream(httpx.AsyncBaseTransport, httpx.BaseTransport):
    """The transport of ``upstream_client()``: each request goes to the fake upstream in use now.

    It also applies the request's read timeout (``httpx.Timeout(...)``, ``timeout=`` on a call),
    which a real transport enforces and FakeUpstream does not: the call ends as "cancelled" and
    the caller gets ``httpx.ReadTimeout``. A sync ``httpx.Client`` on it blocks the event loop.
    """

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        upstream = _in_use[0]
        read_timeout = (request.extensions.get("timeout") or {}).get("read")
        if read_timeout is None:
            return await upstream.handle_async_request(request)
        try:
            return await ref.wait_for(upstream.handle_async_request(request), read_timeout)
        except TimeoutError:
            raise httpx.ReadTimeout(
                f"no answer within {read_timeout:g} s", request=request
            ) from None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return _in_use[0].handle_request(request)


_TRANSPORT = CurrentUpstream()


def upstream_transport() -> CurrentUpstream:
    """What ``upstream_client()`` in the notebook connects to."""
    return _TRANSPORT


@contextmanager
def _installed(upstream: FakeUpstream) -> Iterator[FakeUpstream]:
    previous = _in_use[0]
    _in_use[0] = upstream
    try:
        yield upstream
    finally:
        _in_use[0] = previous


@contextmanager
def scenario(name: str) -> Iterator[FakeUpstream]:
    """Within the block the fake services behave as in scenario ``name`` (see ``SCENARIOS``)."""
    if name not in SCENARIOS:
        raise KeyError(f"no scenario {name!r}; try one of {', '.join(SCENARIOS)}")
    with _installed(FakeUpstream(_scenario_routes(name))) as upstream:
        yield upstream


def print_timeline(upstream: FakeUpstream) -> None:
    """Print each call a fake upstream received: when it started and ended, and how."""
    if not upstream.calls:
        print("no upstream calls")
    first = min((call.started for call in upstream.calls), default=0.0)
    for call in upstream.calls:
        end = "  ...  " if call.ended is None else f"{call.ended - first:5.2f} s"
        print(f"{call.started - first:5.2f} s -> {end}  {call.outcome:<14} {call.url}")


# --- running a view against one scenario -------------------------------------------------------


@contextmanager
def _contract_names(view) -> Iterator[None]:
    """The provided names hold their documented values while the check runs (a "try it" cell
    that changed ``MIRRORS`` must not change the grade)."""
    with contextlib.ExitStack() as stack:
        if hasattr(inspect.unwrap(view), "__globals__"):
            for name, value in (("UPSTREAMS", dict(UPSTREAMS)), ("MIRRORS", list(MIRRORS)),
                                ("UPSTREAM_TIMEOUT", UPSTREAM_TIMEOUT)):  # fmt: skip
                stack.enter_context(substituted(view, name, value))
        yield


async def _settle(upstream: FakeUpstream, until: float) -> None:
    """Let calls the view left behind finish (or be cancelled) before they are judged.

    Whatever they print, or log when collected, belongs to this run, not to a later cell.
    """
    with ref.redirect_stdout(io.StringIO()), ref.redirect_stderr(io.StringIO()):
        while upstream.in_flight and ref.perf_counter() < until:
            await ref.sleep(0.02)
        for _ in range(3):
            await ref.sleep(0)
        ref.gc_collect()


async def _observe(view, upstream: FakeUpstream, path: str, time_limit: float) -> ViewRun:
    with _installed(upstream), _contract_names(view):
        run = await run_view(view, [path], time_limit=time_limit)
        longest = max(route.delay for route in upstream.routes.values())
        await _settle(upstream, run.call.started + longest + 0.5)
    return run


def _short(value: object, limit: int = 200) -> str:
    """A value as the student would see it in JSON, shortened."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value)
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _leaves(error: BaseException) -> list[BaseException]:
    """The exceptions inside an ExceptionGroup (a TaskGroup's), or the exception itself."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


def _describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {_short(str(error))}"
    if isinstance(error, BaseExceptionGroup):
        text += f" (inside it: {', '.join(sorted({type(e).__name__ for e in _leaves(error)}))})"
    return text


def _is_upstream_error(error: BaseException) -> bool:
    return any(isinstance(e, httpx.HTTPError | TimeoutError) for e in _leaves(error))


def _body(run: ViewRun) -> object:
    try:
        return run.call.json()
    except (ValueError, AttributeError):
        return getattr(run.call.response, "content", b"").decode(errors="replace")


def _what_happened(route: Route, calls: list[UpstreamCall]) -> str:
    """How a fake service failed, in words (for "the dashboard shows X for ...")."""
    if route.failure is Failure.CONNECT:
        return "the connection was refused (httpx.ConnectError)"
    if route.failure is Failure.READ_TIMEOUT:
        return "it failed with httpx.ReadTimeout"
    if route.status >= 400:
        return f"it answered {route.status} {_short(route.json)}"
    if route.delay > UPSTREAM_TIMEOUT:
        return f"it takes {route.delay:g} s, longer than UPSTREAM_TIMEOUT ({UPSTREAM_TIMEOUT:g} s)"
    ended = [c for c in calls if c.outcome == "ok"]
    took = f" after {ended[0].seconds:.2f} s" if ended else ""
    return f"it answered 200{took}"


def _assert_reached_upstreams(run: ViewRun, upstream: FakeUpstream) -> None:
    """The view answered and its requests reached the fake services (not a client of its own)."""
    if run.call.exception is None and not upstream.calls:
        raise teaching_failure(
            run.view_name,
            "it answered without a single request reaching the upstream services.",
            "The services exist only behind `upstream_client()`; a client made another way "
            "(`httpx.AsyncClient()` on its own) reaches nothing here, and an answer that is not "
            "fetched is made up.",
            "Create the client with `async with upstream_client() as client:` and "
            "`await client.get(url)`.",
        )


# --- dashboard ---------------------------------------------------------------------------------


def _is_error_entry(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("error"), str) and bool(value["error"])


def _dashboard_answered(run: ViewRun, situation: str) -> None:
    """200 with a JSON object, even though some upstreams failed (``situation`` says which)."""
    if run.never_awaited or run.timed_out:
        assert_all_answered(run)
    call = run.call
    if call.exception is not None and _is_upstream_error(call.exception):
        raise teaching_failure(
            "dashboard",
            f"when {situation}, it raised {_describe(call.exception)}.",
            "One failing upstream took the whole dashboard down: the answers of the other "
            "services were lost, and the client got a server error instead of a dashboard.",
            "Handle each upstream's failure on its own: `asyncio.gather(..., "
            "return_exceptions=True)` and look at each result, or a try/except "
            "(`httpx.HTTPError`, and `TimeoutError` if you use asyncio timeouts) inside the "
            'function that fetches one upstream; put {"error": "<reason>"} under its key.',
        )
    assert_answered(call, "dashboard")
    if call.status != 200:
        raise teaching_failure(
            "dashboard",
            f"when {situation}, it answered {call.status} {_short(_body(run))}.",
            "The dashboard must still answer 200 with what the other services sent; a failing "
            'upstream shows up as {"error": "<reason>"} under its own key.',
        )
    body = _body(run)
    if not isinstance(body, dict) or set(body) != set(UPSTREAMS):
        raise teaching_failure(
            "dashboard",
            f"it answered {_short(body)}.",
            'The body must be a JSON object with exactly the keys "weather", "news" and '
            '"stocks", each holding that service\'s JSON or {"error": "<reason>"}.',
            "`return JsonResponse({name: result for name, result in ...})` over UPSTREAMS.",
        )


def _check_dashboard_entries(run: ViewRun, upstream: FakeUpstream) -> None:
    """Each key holds the service's JSON when it answered in time, an error entry otherwise."""
    body = _body(run)
    for name, url in UPSTREAMS.items():
        route, calls, shown = upstream.routes[url], upstream.calls_to(url), body[name]
        fine = route.failure is None and route.status < 400 and route.delay <= UPSTREAM_TIMEOUT
        if not calls:
            raise teaching_failure(
                "dashboard",
                f"it never called the {name} service ({url}).",
                "Every entry must come from its upstream service.",
                "Fetch every URL of UPSTREAMS with the client from `upstream_client()`.",
            )
        if not fine and not _is_error_entry(shown):
            raise teaching_failure(
                "dashboard",
                f"for {name} {_what_happened(route, calls)}, but the dashboard shows "
                f"{_short(shown)}.",
                'A failing or too slow upstream must appear as {"error": "<short reason>"} under '
                "its key, so the client can tell data from failure.",
                "Check the status (`response.is_error`, or `response.raise_for_status()` inside "
                "a try) before using the body, catch `httpx.HTTPError` for transport errors, and "
                'return {"error": "..."} for that upstream.',
            )
        if fine and shown != route.json:
            cancelled = [c for c in calls if c.outcome == "cancelled"]
            answered = [c for c in calls if c.outcome == "ok"]
            if cancelled or (answered and _is_error_entry(shown)):
                what = (
                    f"the {name} call was cancelled after {cancelled[0].seconds:.2f} s, but it "
                    f"answers after {route.delay:g} s"
                    if cancelled
                    else f"{name} answered 200 after {answered[0].seconds:.2f} s"
                )
                raise teaching_failure(
                    "dashboard",
                    f"{what}, within UPSTREAM_TIMEOUT ({UPSTREAM_TIMEOUT:g} s); the dashboard "
                    f"shows {_short(shown)}.",
                    "Only an upstream slower than UPSTREAM_TIMEOUT may be given up on. A "
                    "shorter timeout, or one timeout around the whole gather instead of one per "
                    "call, throws away answers that arrived in time.",
                    "Give each call its own timeout of UPSTREAM_TIMEOUT: "
                    "`asyncio.wait_for(client.get(url), UPSTREAM_TIMEOUT)`, "
                    "`async with asyncio.timeout(UPSTREAM_TIMEOUT)` inside the per-upstream "
                    "function, or `client.get(url, timeout=UPSTREAM_TIMEOUT)`.",
                )
            raise teaching_failure(
                "dashboard",
                f"for {name} {_what_happened(route, calls)} with {_short(route.json)}, "
                f"but the dashboard shows {_short(shown)}.",
                "A service that answers 200 within UPSTREAM_TIMEOUT appears with its JSON "
                "(`response.json()`) under its key.",
            )


def _dashboard_upstream(**changes: Route) -> FakeUpstream:
    return FakeUpstream(_routes({WEATHER: 0.1, NEWS: 0.2, STOCKS: 0.15}, **changes))


@guarded
async def check_dashboard_answers(dashboard) -> None:
    """dashboard answers 200 with the JSON of weather, news and stocks under their names."""
    assert_async_view(dashboard, "dashboard")
    upstream = FakeUpstream(_scenario_routes("calm"))
    run = await _observe(dashboard, upstream, "/dashboard/", time_limit=5.0)
    assert_all_answered(run)
    _assert_reached_upstreams(run, upstream)
    assert_json(run.call, {name: BODIES[url] for name, url in UPSTREAMS.items()}, "dashboard")
    print("✔ dashboard answers 200 with the JSON of weather, news and stocks")


@guarded
async def check_dashboard_fetches_concurrently(dashboard, delay: float = 0.3) -> None:
    """All three upstream calls are in flight together; the loop never stalls."""
    assert_async_view(dashboard, "dashboard")
    upstream = FakeUpstream(_routes(dict.fromkeys(UPSTREAMS.values(), delay)))
    run = await _observe(dashboard, upstream, "/dashboard/", time_limit=5.0)
    assert_all_answered(run)
    assert_upstream_calls_overlapped(upstream, len(UPSTREAMS), "dashboard")
    assert_loop_never_blocked(run, STALL_LIMIT)
    one_by_one = len(UPSTREAMS) * delay
    assert_faster_than(run, 0.6 * one_by_one, one_by_one, "one dashboard request")
    print(
        f"✔ dashboard: {upstream.peak_in_flight} upstream calls in flight at once; answered in "
        f"{run.elapsed:.2f} s (one after another: {one_by_one:.1f} s), longest event-loop stall "
        f"{run.loop_stall_seconds * 1000:.0f} ms"
    )


@guarded
async def check_dashboard_reports_failed_upstreams(dashboard) -> None:
    """A failing upstream (503, 404, connection refused, read timeout) becomes {"error": ...}."""
    assert_async_view(dashboard, "dashboard")
    situations = [
        (
            "weather answered 503 and the news connection was refused",
            _dashboard_upstream(**{WEATHER: Route(json=MAINTENANCE, status=503, delay=0.1),
                                   NEWS: Route(failure=Failure.CONNECT)}),  # fmt: skip
        ),
        (
            "news answered 404 and stocks failed with httpx.ReadTimeout",
            _dashboard_upstream(**{NEWS: Route(json={"detail": "no headlines"}, status=404,
                                               delay=0.1),
                                   STOCKS: Route(failure=Failure.READ_TIMEOUT, delay=0.2)}),
        ),
    ]  # fmt: skip
    for situation, upstream in situations:
        run = await _observe(dashboard, upstream, "/dashboard/", time_limit=5.0)
        _dashboard_answered(run, situation)
        _check_dashboard_entries(run, upstream)
    print("✔ dashboard reports each failed upstream as an error and still shows the others")


@guarded
async def check_dashboard_times_out_slow_upstream(dashboard) -> None:
    """A 3 s upstream is given up on (and cancelled) after UPSTREAM_TIMEOUT; the others show."""
    assert_async_view(dashboard, "dashboard")
    upstream = FakeUpstream(
        _routes({WEATHER: 0.1, NEWS: 0.6 * UPSTREAM_TIMEOUT, STOCKS: SLOW_DELAY})
    )
    run = await _observe(dashboard, upstream, "/dashboard/", time_limit=2 * SLOW_DELAY)
    situation = f"stocks took {SLOW_DELAY:g} s"
    _dashboard_answered(run, situation)
    assert_loop_never_blocked(run, STALL_LIMIT)
    call, slow = run.call, upstream.calls_to(STOCKS)
    took = call.ended - call.started
    if took > TIMEOUT_ALLOWANCE:
        waited = [c for c in slow if c.outcome == "ok"]
        if waited:
            raise teaching_failure(
                "dashboard",
                f"it answered after {took:.2f} s: it waited for the stocks service, which "
                f"takes {SLOW_DELAY:g} s, to the end.",
                "Without a timeout one slow upstream makes the whole dashboard slow. The rule "
                f"is to give up on an upstream after UPSTREAM_TIMEOUT ({UPSTREAM_TIMEOUT:g} s) "
                'and report {"error": ...} for it.',
                "`await asyncio.wait_for(client.get(url), UPSTREAM_TIMEOUT)`, "
                "`async with asyncio.timeout(UPSTREAM_TIMEOUT):`, or "
                "`client.get(url, timeout=UPSTREAM_TIMEOUT)`; catch the timeout for that upstream.",
            )
        raise teaching_failure(
            "dashboard",
            f"it answered after {took:.2f} s; with every call limited to UPSTREAM_TIMEOUT "
            f"({UPSTREAM_TIMEOUT:g} s) and all of them at the same time, it takes about "
            f"{UPSTREAM_TIMEOUT:g} s.",
            "The waits added up: the calls (or their timeouts) ran one after another.",
            "Start all calls together (`asyncio.gather`, a `TaskGroup`) with a timeout on each.",
        )
    left = [c for c in slow if c.ended is None or c.ended > call.ended + CANCEL_GRACE]
    if left:
        still = left[0]
        after = "never ended" if still.ended is None else (
            f"went on for {still.ended - call.ended:.2f} s after the view had answered "
            f"({still.outcome})"
        )  # fmt: skip
        raise teaching_failure(
            "dashboard",
            f"the stocks call {after}.",
            "The view stopped waiting for it but did not cancel it. Nobody reads its answer, "
            "yet it keeps a connection and a task busy; on a server such calls pile up.",
            "Cancel what you stop waiting for: after `asyncio.wait(tasks, timeout=...)` call "
            "`task.cancel()` on every pending task (`asyncio.wait_for`, `asyncio.timeout` and "
            "httpx timeouts cancel for you).",
        )
    _check_dashboard_entries(run, upstream)
    print(
        f"✔ dashboard: stocks takes {SLOW_DELAY:g} s; the view answered in {took:.2f} s "
        f"(UPSTREAM_TIMEOUT = {UPSTREAM_TIMEOUT:g} s) with weather, news and an error for stocks, "
        "and the stocks call was cancelled"
    )


# --- first_mirror ------------------------------------------------------------------------------


def _mirror_upstream(delays: dict[str, float], **changes: Route) -> FakeUpstream:
    return FakeUpstream(_routes(delays, **changes))


def _check_mirror_answer(run: ViewRun, upstream: FakeUpstream, winner: str, situation: str):
    """200 {"mirror": winner, "data": <its JSON>}: the first mirror that answered 200."""
    if run.never_awaited or run.timed_out:
        assert_all_answered(run)
    call = run.call
    won_after = upstream.routes[winner].delay
    if call.exception is not None and _is_upstream_error(call.exception):
        raise teaching_failure(
            "first_mirror",
            f"when {situation}, it raised {_describe(call.exception)}.",
            "A mirror that fails is not the end of the race: the first mirror that answers "
            "200 wins, and the failures before it do not count.",
            "Catch the failure of each mirror (`httpx.HTTPError`, and check the status), skip "
            "it, and keep waiting for the others.",
        )
    assert_answered(call, "first_mirror")
    if call.status == 502:
        raise teaching_failure(
            "first_mirror",
            f"when {situation}, it answered 502 {_short(_body(run))}, although {winner} "
            f"answered 200 after {won_after:g} s.",
            "502 is only for when every mirror failed; the first mirror that answers 200 wins.",
            "Do not give up at the first failure: keep waiting for the other mirrors.",
        )
    body = _body(run)
    chosen = body.get("mirror") if isinstance(body, dict) else None
    if call.status == 200 and chosen in MIRRORS and chosen != winner:
        route = upstream.routes[chosen]
        if route.failure is not None or route.status >= 400:
            raise teaching_failure(
                "first_mirror",
                f"when {situation}, it answered with {chosen}, which failed "
                f"({_what_happened(route, upstream.calls_to(chosen))}).",
                "The first mirror that answers 200 wins; a mirror that finished first with an "
                "error (or could not be reached) does not count.",
                "Look at each finished request: skip it when it raised or its status is not 200, "
                f"and wait for the next one. Here {winner} answered 200 after {won_after:g} s.",
            )
        raise teaching_failure(
            "first_mirror",
            f"when {situation}, it answered with {chosen}, which takes {route.delay:g} s, but "
            f"{winner} answered first, after {won_after:g} s.",
            "The view did not take the first answer: it waited for the mirrors one by one, in "
            "the order of MIRRORS.",
            "Start a request to every mirror, then take the results as they complete: "
            "`asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)` in a loop, or "
            "`asyncio.as_completed(tasks)`.",
        )
    assert_json(call, {"mirror": winner, "data": BODIES[winner]}, "first_mirror")


@guarded
async def check_first_mirror_answers(first_mirror) -> None:
    """first_mirror answers with the fastest mirror's URL and data."""
    assert_async_view(first_mirror, "first_mirror")
    upstream = FakeUpstream(_scenario_routes("calm"))
    run = await _observe(first_mirror, upstream, "/mirror/", time_limit=5.0)
    _assert_reached_upstreams(run, upstream)
    _check_mirror_answer(run, upstream, M_US, "all four mirrors work")
    print(f"✔ first_mirror answers with the fastest mirror ({M_US}) and its data")


@guarded
async def check_first_mirror_asks_all_at_once(first_mirror) -> None:
    """Every mirror is asked at the same time (all in flight together); the loop never stalls."""
    assert_async_view(first_mirror, "first_mirror")
    upstream = FakeUpstream(_scenario_routes("calm"))
    run = await _observe(first_mirror, upstream, "/mirror/", time_limit=5.0)
    assert_all_answered(run)
    asked = sorted({c.url for c in upstream.calls}, key=MIRRORS.index)
    if upstream.calls and not any(c.sync for c in upstream.calls) and len(asked) < len(MIRRORS):
        raise teaching_failure(
            "first_mirror",
            f"it asked only {len(asked)} of the {len(MIRRORS)} mirrors ({', '.join(asked)}).",
            "It waited for one mirror's answer before asking the next, so the answer comes "
            "from whichever mirror is first in the list, however slow it is.",
            "Ask every mirror at once: create a task per mirror "
            "(`asyncio.create_task(client.get(url))`), then wait for the first good result.",
        )
    assert_upstream_calls_overlapped(upstream, len(MIRRORS), "first_mirror")
    assert_loop_never_blocked(run, STALL_LIMIT)
    fastest = min(CALM_DELAYS[url] for url in MIRRORS)
    print(
        f"✔ first_mirror: all {len(MIRRORS)} mirrors were asked at once, answered in "
        f"{run.elapsed:.2f} s (fastest mirror: {fastest:g} s; asking one after another "
        f"until one answers: {CALM_DELAYS[MIRRORS[0]]:g} s here)"
    )


@guarded
async def check_first_mirror_skips_failed_mirrors(first_mirror) -> None:
    """When the fastest mirrors fail (503, connection refused), the first good one still wins."""
    assert_async_view(first_mirror, "first_mirror")
    upstream = _mirror_upstream(
        {M_ASIA: 0.3, M_AU: 0.6},
        **{M_EU: Route(json=MAINTENANCE, status=503, delay=0.05),
           M_US: Route(failure=Failure.CONNECT)},
    )  # fmt: skip
    run = await _observe(first_mirror, upstream, "/mirror/", time_limit=5.0)
    _check_mirror_answer(
        run, upstream, M_ASIA, f"{M_EU} answered 503 and {M_US} refused the connection"
    )
    print(f"✔ first_mirror skips the two mirrors that failed and answers with {M_ASIA}")


@guarded
async def check_first_mirror_cancels_the_rest(first_mirror) -> None:
    """Once a mirror has answered 200, the slower requests are cancelled, none left running."""
    assert_async_view(first_mirror, "first_mirror")
    upstream = _mirror_upstream(
        {M_EU: 0.8, M_US: 0.2, M_ASIA: 1.2},
        **{M_AU: Route(json=MAINTENANCE, status=503, delay=0.05)},
    )
    run = await _observe(first_mirror, upstream, "/mirror/", time_limit=5.0)
    _check_mirror_answer(run, upstream, M_US, f"{M_AU} answered 503 first")
    view_ended = run.call.ended
    slower = [c for c in upstream.calls if c.url in (M_EU, M_ASIA)]
    left = [c for c in slower if c.ended is None or c.ended > view_ended + CANCEL_GRACE]
    if left:
        timeline = "; ".join(
            f"{c.url} never ended" if c.ended is None
            else f"{c.url} ended {c.ended - view_ended:.2f} s later ({c.outcome})"
            for c in left
        )  # fmt: skip
        raise teaching_failure(
            "first_mirror",
            f"the slower mirrors were still running after the view had answered: {timeline}.",
            "The view took the winner's answer but left the other requests going. Nobody reads "
            "their answers, yet they keep connections and tasks busy; on a server they pile up.",
            "Cancel the other tasks before returning: `for task in pending: task.cancel()` "
            "(for example in a `finally:`).",
        )
    waited = [c for c in slower if c.outcome != "cancelled"]
    if waited:
        raise teaching_failure(
            "first_mirror",
            f"it answered after {run.elapsed:.2f} s, although {M_US} had answered after "
            f"{upstream.routes[M_US].delay:g} s: it let the slower mirrors finish first "
            f"({', '.join(f'{c.url} {c.outcome} after {c.seconds:.2f} s' for c in waited)}).",
            "Once one mirror has answered 200 the other requests are useless; waiting for them "
            "makes the view as slow as the slowest mirror.",
            "As soon as you have a winner, cancel the other tasks (`task.cancel()`) and return.",
        )
    print(
        f"✔ first_mirror answered after {run.elapsed:.2f} s with {M_US}; the {len(slower)} "
        "slower requests were cancelled as it returned"
    )


@guarded
async def check_first_mirror_all_fail_502(first_mirror) -> None:
    """When every mirror fails, first_mirror answers 502 with {"error": ...}."""
    assert_async_view(first_mirror, "first_mirror")
    upstream = FakeUpstream(_scenario_routes("mirrors_down"))
    run = await _observe(first_mirror, upstream, "/mirror/", time_limit=5.0)
    if run.never_awaited or run.timed_out:
        assert_all_answered(run, 502)
    call = run.call
    if call.exception is not None and _is_upstream_error(call.exception):
        raise teaching_failure(
            "first_mirror",
            f"when every mirror failed, it raised {_describe(call.exception)}.",
            "The client gets a server error page instead of a clear answer.",
            "Catch each mirror's failure; when no mirror answered 200, "
            'return `JsonResponse({"error": "..."}, status=502)`.',
        )
    assert_json_error(
        call,
        502,
        "first_mirror",
        why="Every mirror failed (503, connection refused, read timeout, 500): the view is a "
        'gateway that got no good answer, which is 502 Bad Gateway with {"error": "..."}. A '
        "200 would tell the client that all is well.",
    )
    asked = {c.url for c in upstream.calls}
    if len(asked) < len(MIRRORS):
        raise teaching_failure(
            "first_mirror",
            f"it answered 502 after asking only {len(asked)} of the {len(MIRRORS)} mirrors.",
            "502 means that every mirror failed; the ones never asked might have answered.",
            "Ask every mirror, and answer 502 only when all of them failed.",
        )
    print(f"✔ first_mirror answers 502 when all {len(MIRRORS)} mirrors fail")


# Snapshot these checks, so that a notebook that patches them fails instead of passing.
ref.register_module(__name__)
