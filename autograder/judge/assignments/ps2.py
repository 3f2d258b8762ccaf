"""ps2_concurrent_io: ``dashboard`` (fan out with timeouts) and ``first_mirror`` (a race).

The notebook's ``upstream_client()`` reaches the judge's services. Each check installs a day of
its own: drawn per submission are every service's JSON, its speed, which services fail and how
(an error status, a refused connection, a dropped connection), and which mirror is fastest. The
services' log says which calls overlapped, which were cancelled (the caller closed the
connection) and which were still running when the view had answered.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from autograder.judge.data import Draw
from autograder.judge.registry import check
from autograder.judge.stage import Run, Stage
from autograder.judge.teaching import (
    assert_answered,
    assert_async_view,
    assert_calls_overlapped,
    assert_faster_than,
    assert_json,
    assert_json_error,
    assert_loop_never_blocked,
    assert_no_unawaited,
    body_of,
    raised,
    short,
    teaching_failure,
)
from autograder.runtime.simulated.practice import MIRRORS, UPSTREAMS
from autograder.runtime.simulated.services import Call, CallLog, Failure, Route

ASSIGNMENT = "ps2_concurrent_io"
UPSTREAM_TIMEOUT = 1.0
CONSTANTS = {"UPSTREAMS": UPSTREAMS, "MIRRORS": MIRRORS, "UPSTREAM_TIMEOUT": UPSTREAM_TIMEOUT}

# A call the view cancelled ends on one of the next turns of its event loop: allow this long
# between the view's answer and the end of a call it gave up on (loaded machines delay a turn by
# up to 0.11 s; a call left running goes on for 0.6 s or more).
CANCEL_GRACE = 0.25
# The blocking mistakes here (time.sleep, a sync client) block the loop for whole upstream
# delays, 0.2 s or more.
STALL_LIMIT = 0.25
TIMEOUT_ALLOWANCE = 1.5 * UPSTREAM_TIMEOUT  # a dashboard with one hanging upstream
SLOW_DELAY = 3.0
MAINTENANCE = {"detail": "down for maintenance"}
CITIES = ("Lisbon", "Accra", "Oslo", "Lima", "Hanoi", "Tbilisi", "Quito", "Perth", "Cork")


def _check(grade_id: str, points: int, view: str, hidden: bool = False):
    return check(ASSIGNMENT, grade_id, points, views=[view], hidden=hidden, constants=CONSTANTS)


# --- the services of one submission ------------------------------------------------------------


def _bodies(stage: Stage) -> dict[str, object]:
    draw = stage.draw.child("bodies")
    weather, news, stocks = UPSTREAMS.values()
    tickers = draw.sample(["ACME", "GLOBEX", "INITECH", "UMBRELLA", "HOOLI", "STARK"], 3)
    release = f"20{draw.randint(24, 27)}.{draw.randint(1, 12):02d}"
    packages = draw.randint(900, 2400)
    return {
        weather: {
            "city": draw.choice(CITIES),
            "temperature_c": draw.randint(-8, 38),
            "sky": draw.choice(["sunny", "cloudy", "rain", "fog", "snow"]),
        },  # fmt: skip
        news: {"headlines": draw.titles(draw.randint(2, 4))},
        stocks: {ticker: draw.uniform(5, 900) for ticker in tickers},
        **{
            url: {"release": release, "packages": packages, "served_by": urlsplit(url).hostname}
            for url in MIRRORS
        },  # fmt: skip
    }


def _day(stage: Stage, delays: dict[str, float], **changes: Route) -> dict[str, Route]:
    """Every service answering 200 with its JSON after its delay, except the ``changes``."""
    bodies = _bodies(stage)
    routes = {url: Route(json=bodies[url], delay=delay) for url, delay in delays.items()}
    return {**routes, **changes}


def _failure(stage: Stage, kind: str, delay: float = 0.1) -> Route:
    return {
        "503": Route(json=MAINTENANCE, status=503, delay=delay),
        "500": Route(json={"detail": "internal error"}, status=500, delay=delay),
        "404": Route(json={"detail": "no such resource"}, status=404, delay=delay),
        "refused": Route(failure=Failure.REFUSE),
        "dropped": Route(failure=Failure.RESET, delay=delay),
    }[kind]


def _what_happened(route: Route, calls: list[Call]) -> str:
    """How a service behaved, in words (for "the dashboard shows X for ...")."""
    if route.failure is Failure.REFUSE:
        return "the connection was refused (httpx.ConnectError)"
    if route.failure is Failure.RESET:
        return "it dropped the connection without answering (httpx.RemoteProtocolError)"
    if route.status >= 400:
        return f"it answered {route.status} {short(route.json)}"
    if route.delay > UPSTREAM_TIMEOUT:
        return f"it takes {route.delay:g} s, longer than UPSTREAM_TIMEOUT ({UPSTREAM_TIMEOUT:g} s)"
    ended = [c for c in calls if c.outcome == "ok"]
    took = f" after {ended[0].seconds:.2f} s" if ended else ""
    return f"it answered 200{took}"


async def _observe(stage: Stage, view: str, routes: dict[str, Route], path: str,
                   time_limit: float = 5.0) -> tuple[Run, CallLog]:  # fmt: skip
    log = stage.install(routes)
    run = await stage.run(view, [path], time_limit=time_limit)
    longest = max((r.delay for r in routes.values() if r.failure is not Failure.HANG), default=0)
    await stage.settle(log, run.reply.started + longest + 0.5)
    return run, log


def _leaves(run: Run) -> list[str]:
    error = run.reply.exception or {}
    return [leaf["type"] for leaf in error.get("leaves", [])] or [error.get("type", "")]


UPSTREAM_ERRORS = {"ConnectError", "RemoteProtocolError", "ReadTimeout", "ConnectTimeout",
                   "TimeoutException", "HTTPStatusError", "ReadError", "TimeoutError",
                   "PoolTimeout", "WriteError", "NetworkError", "ProtocolError"}  # fmt: skip


def _upstream_error(run: Run) -> bool:
    return run.reply.outcome == "exception" and bool(set(_leaves(run)) & UPSTREAM_ERRORS)


def _describe(run: Run) -> str:
    text = raised(run.reply)
    leaves = (run.reply.exception or {}).get("leaves")
    if leaves:
        text += f" (inside it: {', '.join(sorted({leaf['type'] for leaf in leaves}))})"
    return text


def _reached(run: Run, log: CallLog, view: str) -> None:
    """The view answered and its requests reached the services (not a client of its own)."""
    if run.reply.outcome == "response" and not log.calls:
        raise teaching_failure(
            view,
            "it answered without a single request reaching the upstream services.",
            "The services exist only behind `upstream_client()`; a client made another way "
            "(`httpx.AsyncClient()` on its own) reaches nothing here, and an answer that is not "
            "fetched is made up.",
            "Create the client with `async with upstream_client() as client:` and "
            "`await client.get(url)`.",
        )


def _no_sync_client(log: CallLog, view: str) -> None:
    if any(call.thread for call in log.calls):
        raise teaching_failure(
            view,
            "it called the upstream services with a synchronous HTTP client.",
            "A sync client blocks the event loop for the whole request; nothing else can run.",
            "Use `httpx.AsyncClient` (from `upstream_client()`) and `await client.get(url)`.",
        )


# --- dashboard ---------------------------------------------------------------------------------


def _is_error_entry(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("error"), str) and bool(value["error"])


def _dashboard_answered(run: Run, situation: str) -> None:
    """200 with a JSON object, even though some upstreams failed (``situation`` says which)."""
    assert_no_unawaited(run.warnings, "dashboard", run.replies)
    reply = run.reply
    if _upstream_error(run):
        raise teaching_failure(
            "dashboard",
            f"when {situation}, it raised {_describe(run)}.",
            "One failing upstream took the whole dashboard down: the answers of the other "
            "services were lost, and the client got a server error instead of a dashboard.",
            "Handle each upstream's failure on its own: `asyncio.gather(..., "
            "return_exceptions=True)` and look at each result, or a try/except "
            "(`httpx.HTTPError`, and `TimeoutError` if you use asyncio timeouts) inside the "
            'function that fetches one upstream; put {"error": "<reason>"} under its key.',
        )
    assert_answered(reply, "dashboard")
    if reply.status != 200:
        raise teaching_failure(
            "dashboard",
            f"when {situation}, it answered {reply.status} {short(body_of(reply))}.",
            "The dashboard must still answer 200 with what the other services sent; a failing "
            'upstream shows up as {"error": "<reason>"} under its own key.',
        )
    body = body_of(reply)
    if not isinstance(body, dict) or set(body) != set(UPSTREAMS):
        raise teaching_failure(
            "dashboard",
            f"it answered {short(body)}.",
            'The body must be a JSON object with exactly the keys "weather", "news" and '
            '"stocks", each holding that service\'s JSON or {"error": "<reason>"}.',
            "`return JsonResponse({name: result for name, result in ...})` over UPSTREAMS.",
        )


def _dashboard_entries(run: Run, routes: dict[str, Route], log: CallLog) -> None:
    """Each key holds the service's JSON when it answered in time, an error entry otherwise."""
    body = body_of(run.reply)
    for name, url in UPSTREAMS.items():
        route, calls, shown = routes[url], log.calls_to(url), body[name]
        fine = route.failure is None and route.status < 400 and route.delay <= UPSTREAM_TIMEOUT
        if not calls and route.failure is not Failure.REFUSE:  # a refused call leaves no trace
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
                f"{short(shown)}.",
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
                    f"shows {short(shown)}.",
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
                f"for {name} {_what_happened(route, calls)} with {short(route.json)}, "
                f"but the dashboard shows {short(shown)}.",
                "A service that answers 200 within UPSTREAM_TIMEOUT appears with its JSON "
                "(`response.json()`) under its key.",
            )


def _calm_delays(stage: Stage) -> dict[str, float]:
    draw = stage.draw.child("delays")
    delays = {url: draw.uniform(0.1, 0.35) for url in UPSTREAMS.values()}
    return {**delays, **mirror_speeds(draw)}


# The races are drawn so that a view asking the mirrors one by one, in the order of MIRRORS,
# never passes by the luck of the draw (tests/judge/assignments/test_ps2.py tries many seeds).


def mirror_speeds(draw: Draw) -> dict[str, float]:
    """Each mirror's delay; the first mirror of the list is never the fastest."""
    first = draw.choice([0.3, 0.45, 0.6])
    speeds = [first, *draw.shuffled([s for s in (0.15, 0.3, 0.45, 0.6) if s != first])]
    return dict(zip(MIRRORS, speeds, strict=True))


def race_with_failures(draw: Draw) -> tuple[str, str, str, str]:
    """(fails, is refused, wins, is slow): the slow mirror comes before the winner in MIRRORS."""
    first_fail, second_fail, winner, last = draw.shuffled(MIRRORS)
    if MIRRORS.index(winner) < MIRRORS.index(last):
        winner, last = last, winner
    return first_fail, second_fail, winner, last


def race_to_cancel(draw: Draw) -> tuple[str, str, str, str]:
    """(fails, wins, slower, slower): a slower mirror comes before the winner in MIRRORS."""
    failing, winner, slower_a, slower_b = draw.shuffled(MIRRORS)
    if MIRRORS.index(winner) < min(MIRRORS.index(slower_a), MIRRORS.index(slower_b)):
        winner, slower_a = slower_a, winner
    return failing, winner, slower_a, slower_b


@_check("test_dashboard_answers", 1, "dashboard")
async def dashboard_answers(stage: Stage) -> str:
    """dashboard answers 200 with the JSON of weather, news and stocks under their names."""
    assert_async_view(await stage.kind("dashboard"), "dashboard")
    routes = _day(stage, _calm_delays(stage))
    run, log = await _observe(stage, "dashboard", routes, "/dashboard/")
    assert_no_unawaited(run.warnings, "dashboard", run.replies)
    _reached(run, log, "dashboard")
    assert_json(run.reply, {n: routes[u].json for n, u in UPSTREAMS.items()}, "dashboard")
    return "dashboard answers 200 with the JSON of weather, news and stocks"


@_check("test_dashboard_fetches_concurrently", 2, "dashboard")
async def dashboard_fetches_concurrently(stage: Stage) -> str:
    """The three upstream calls are in flight at the same time; the event loop never stalls."""
    assert_async_view(await stage.kind("dashboard"), "dashboard")
    delay = stage.draw.uniform(0.25, 0.35)
    routes = _day(stage, dict.fromkeys(UPSTREAMS.values(), delay))
    run, log = await _observe(stage, "dashboard", routes, "/dashboard/")
    assert_no_unawaited(run.warnings, "dashboard", run.replies)
    assert_answered(run.reply, "dashboard")
    _no_sync_client(log, "dashboard")
    assert_calls_overlapped(log, len(UPSTREAMS), "dashboard")
    assert_loop_never_blocked(run.stall, "dashboard", 1, STALL_LIMIT, run.stall_what)
    one_by_one = len(UPSTREAMS) * delay
    assert_faster_than(run.elapsed, 0.6 * one_by_one, one_by_one, "one dashboard request",
                       "dashboard")  # fmt: skip
    return (
        f"dashboard: {log.peak_overlap()} upstream calls in flight at once; answered in "
        f"{run.elapsed:.2f} s (one after another: {one_by_one:.1f} s), longest event-loop stall "
        f"{run.stall * 1000:.0f} ms"
    )


@_check("test_dashboard_reports_failed_upstreams", 1, "dashboard", hidden=True)
async def dashboard_reports_failed_upstreams(stage: Stage) -> str:
    """Hidden test: a service that answers 503/404 or cannot be reached shows as {"error": ...}."""
    assert_async_view(await stage.kind("dashboard"), "dashboard")
    draw = stage.draw
    shown = []
    for round_ in range(2):
        names = draw.sample(list(UPSTREAMS), 2)
        kinds = draw.sample(["503", "404", "500", "refused", "dropped"], 2)
        delays = {url: draw.uniform(0.1, 0.25) for url in UPSTREAMS.values()}
        changes = {UPSTREAMS[n]: _failure(stage, k) for n, k in zip(names, kinds, strict=True)}
        routes = _day(stage, delays, **changes)
        situation = " and ".join(f"{n} {_what_happened(changes[UPSTREAMS[n]], [])}" for n in names)
        run, log = await _observe(stage, "dashboard", routes, f"/dashboard/?round={round_}")
        _dashboard_answered(run, situation)
        _dashboard_entries(run, routes, log)
        shown.append(situation)
    return (
        "dashboard reports each failed upstream as an error and still shows the others "
        f"({shown[0]})"
    )


@_check("test_dashboard_times_out_slow_upstream", 2, "dashboard", hidden=True)
async def dashboard_times_out_slow_upstream(stage: Stage) -> str:
    """Hidden test: a 3 s service is given up on and cancelled after UPSTREAM_TIMEOUT."""
    assert_async_view(await stage.kind("dashboard"), "dashboard")
    slow_name, middle_name, fast_name = stage.draw.shuffled(list(UPSTREAMS))
    slow_url = UPSTREAMS[slow_name]
    delays = {UPSTREAMS[fast_name]: 0.1, UPSTREAMS[middle_name]: 0.6 * UPSTREAM_TIMEOUT,
              slow_url: SLOW_DELAY}  # fmt: skip
    routes = _day(stage, delays)
    run, log = await _observe(stage, "dashboard", routes, "/dashboard/", time_limit=2 * SLOW_DELAY)
    situation = f"{slow_name} took {SLOW_DELAY:g} s"
    _dashboard_answered(run, situation)
    _no_sync_client(log, "dashboard")
    assert_loop_never_blocked(run.stall, "dashboard", 1, STALL_LIMIT, run.stall_what)
    reply, slow = run.reply, log.calls_to(slow_url)
    if reply.seconds > TIMEOUT_ALLOWANCE:
        if any(c.outcome == "ok" for c in slow):
            raise teaching_failure(
                "dashboard",
                f"it answered after {reply.seconds:.2f} s: it waited for the {slow_name} service, "
                f"which takes {SLOW_DELAY:g} s, to the end.",
                "Without a timeout one slow upstream makes the whole dashboard slow. The rule "
                f"is to give up on an upstream after UPSTREAM_TIMEOUT ({UPSTREAM_TIMEOUT:g} s) "
                'and report {"error": ...} for it.',
                "`await asyncio.wait_for(client.get(url), UPSTREAM_TIMEOUT)`, "
                "`async with asyncio.timeout(UPSTREAM_TIMEOUT):`, or "
                "`client.get(url, timeout=UPSTREAM_TIMEOUT)`; catch the timeout for that upstream.",
            )
        raise teaching_failure(
            "dashboard",
            f"it answered after {reply.seconds:.2f} s; with every call limited to "
            f"UPSTREAM_TIMEOUT ({UPSTREAM_TIMEOUT:g} s) and all of them at the same time, it "
            f"takes about {UPSTREAM_TIMEOUT:g} s.",
            "The waits added up: the calls (or their timeouts) ran one after another.",
            "Start all calls together (`asyncio.gather`, a `TaskGroup`) with a timeout on each.",
        )
    left = [c for c in slow if c.ended is None or c.ended > reply.ended + CANCEL_GRACE]
    if left:
        still = left[0]
        after = "never ended" if still.ended is None else (
            f"went on for {still.ended - reply.ended:.2f} s after the view had answered "
            f"({still.outcome})"
        )  # fmt: skip
        raise teaching_failure(
            "dashboard",
            f"the {slow_name} call {after}.",
            "The view stopped waiting for it but did not cancel it. Nobody reads its answer, "
            "yet it keeps a connection and a task busy; on a server such calls pile up.",
            "Cancel what you stop waiting for: after `asyncio.wait(tasks, timeout=...)` call "
            "`task.cancel()` on every pending task (`asyncio.wait_for`, `asyncio.timeout` and "
            "httpx timeouts cancel for you).",
        )
    _dashboard_entries(run, routes, log)
    return (
        f"dashboard: {slow_name} takes {SLOW_DELAY:g} s; the view answered in "
        f"{reply.seconds:.2f} s "
        f"(UPSTREAM_TIMEOUT = {UPSTREAM_TIMEOUT:g} s) with the others and an error for "
        f"{slow_name}, and the {slow_name} call was cancelled"
    )


# --- first_mirror ------------------------------------------------------------------------------


def _check_mirror_answer(run: Run, routes: dict[str, Route], log: CallLog, winner: str,
                         situation: str) -> None:  # fmt: skip
    """200 {"mirror": winner, "data": <its JSON>}: the first mirror that answered 200."""
    assert_no_unawaited(run.warnings, "first_mirror", run.replies)
    reply = run.reply
    won_after = routes[winner].delay
    if _upstream_error(run):
        raise teaching_failure(
            "first_mirror",
            f"when {situation}, it raised {_describe(run)}.",
            "A mirror that fails is not the end of the race: the first mirror that answers "
            "200 wins, and the failures before it do not count.",
            "Catch the failure of each mirror (`httpx.HTTPError`, and check the status), skip "
            "it, and keep waiting for the others.",
        )
    assert_answered(reply, "first_mirror")
    if reply.status == 502:
        raise teaching_failure(
            "first_mirror",
            f"when {situation}, it answered 502 {short(body_of(reply))}, although {winner} "
            f"answered 200 after {won_after:g} s.",
            "502 is only for when every mirror failed; the first mirror that answers 200 wins.",
            "Do not give up at the first failure: keep waiting for the other mirrors.",
        )
    body = body_of(reply)
    chosen = body.get("mirror") if isinstance(body, dict) else None
    if reply.status == 200 and chosen in MIRRORS and chosen != winner:
        route = routes[chosen]
        if route.failure is not None or route.status >= 400:
            raise teaching_failure(
                "first_mirror",
                f"when {situation}, it answered with {chosen}, which failed "
                f"({_what_happened(route, log.calls_to(chosen))}).",
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
    assert_json(reply, {"mirror": winner, "data": routes[winner].json}, "first_mirror")


@_check("test_first_mirror_answers", 1, "first_mirror")
async def first_mirror_answers(stage: Stage) -> str:
    """first_mirror answers with the URL and data of the mirror that answered first."""
    assert_async_view(await stage.kind("first_mirror"), "first_mirror")
    delays = _calm_delays(stage)
    winner = min(MIRRORS, key=delays.get)
    routes = _day(stage, delays)
    run, log = await _observe(stage, "first_mirror", routes, "/mirror/")
    assert_no_unawaited(run.warnings, "first_mirror", run.replies)
    _reached(run, log, "first_mirror")
    _check_mirror_answer(run, routes, log, winner, "all four mirrors work")
    return f"first_mirror answers with the fastest mirror ({winner}) and its data"


@_check("test_first_mirror_asks_all_at_once", 1, "first_mirror")
async def first_mirror_asks_all_at_once(stage: Stage) -> str:
    """All four mirrors are asked at the same time; the event loop never stalls."""
    assert_async_view(await stage.kind("first_mirror"), "first_mirror")
    delays = _calm_delays(stage)
    routes = _day(stage, delays)
    run, log = await _observe(stage, "first_mirror", routes, "/mirror/")
    assert_no_unawaited(run.warnings, "first_mirror", run.replies)
    assert_answered(run.reply, "first_mirror")
    _no_sync_client(log, "first_mirror")
    asked = sorted({c.url for c in log.calls if c.url in MIRRORS}, key=MIRRORS.index)
    if log.calls and len(asked) < len(MIRRORS):
        raise teaching_failure(
            "first_mirror",
            f"it asked only {len(asked)} of the {len(MIRRORS)} mirrors ({', '.join(asked)}).",
            "It waited for one mirror's answer before asking the next, so the answer comes "
            "from whichever mirror is first in the list, however slow it is.",
            "Ask every mirror at once: create a task per mirror "
            "(`asyncio.create_task(client.get(url))`), then wait for the first good result.",
        )
    assert_calls_overlapped(log, len(MIRRORS), "first_mirror")
    assert_loop_never_blocked(run.stall, "first_mirror", 1, STALL_LIMIT, run.stall_what)
    fastest = min(delays[url] for url in MIRRORS)
    return (
        f"first_mirror: all {len(MIRRORS)} mirrors were asked at once, answered in "
        f"{run.elapsed:.2f} s (fastest mirror: {fastest:g} s; asking one after another "
        f"until one answers: {delays[MIRRORS[0]]:g} s here)"
    )


@_check("test_first_mirror_skips_failed_mirrors", 1, "first_mirror", hidden=True)
async def first_mirror_skips_failed_mirrors(stage: Stage) -> str:
    """Hidden test: when the fastest mirrors fail, the first one that answers 200 still wins."""
    assert_async_view(await stage.kind("first_mirror"), "first_mirror")
    first_fail, second_fail, winner, last = race_with_failures(stage.draw)
    kind = stage.draw.choice(["503", "500", "404"])
    routes = _day(
        stage,
        {winner: 0.3, last: 0.6},
        **{first_fail: _failure(stage, kind, 0.05), second_fail: _failure(stage, "refused")},
    )
    situation = f"{first_fail} answered {kind} and {second_fail} refused the connection"
    run, log = await _observe(stage, "first_mirror", routes, "/mirror/")
    _check_mirror_answer(run, routes, log, winner, situation)
    return f"first_mirror skips the two mirrors that failed and answers with {winner}"


@_check("test_first_mirror_cancels_the_rest", 2, "first_mirror", hidden=True)
async def first_mirror_cancels_the_rest(stage: Stage) -> str:
    """Hidden test: once a mirror has won, the slower requests are cancelled, none left running."""
    assert_async_view(await stage.kind("first_mirror"), "first_mirror")
    failing, winner, slower_a, slower_b = race_to_cancel(stage.draw)
    routes = _day(stage, {slower_a: 0.8, winner: 0.2, slower_b: 1.2},
                  **{failing: _failure(stage, "503", 0.05)})  # fmt: skip
    run, log = await _observe(stage, "first_mirror", routes, "/mirror/")
    _check_mirror_answer(run, routes, log, winner, f"{failing} answered 503 first")
    view_ended = run.reply.ended
    slower = [c for c in log.calls if c.url in (slower_a, slower_b)]
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
            f"it answered after {run.elapsed:.2f} s, although {winner} had answered after "
            f"{routes[winner].delay:g} s: it let the slower mirrors finish first "
            f"({', '.join(f'{c.url} {c.outcome} after {c.seconds:.2f} s' for c in waited)}).",
            "Once one mirror has answered 200 the other requests are useless; waiting for them "
            "makes the view as slow as the slowest mirror.",
            "As soon as you have a winner, cancel the other tasks (`task.cancel()`) and return.",
        )
    return (
        f"first_mirror answered after {run.elapsed:.2f} s with {winner}; the {len(slower)} "
        "slower requests were cancelled as it returned"
    )


@_check("test_first_mirror_all_fail_502", 1, "first_mirror", hidden=True)
async def first_mirror_all_fail_502(stage: Stage) -> str:
    """Hidden test: when every mirror fails, first_mirror answers 502 with {"error": ...}."""
    assert_async_view(await stage.kind("first_mirror"), "first_mirror")
    kinds = stage.draw.shuffled(["503", "refused", "dropped", "500"])
    delays = stage.draw.shuffled([0.1, 0.15, 0.2, 0.3])
    routes = {url: _failure(stage, kind, delay)
              for url, kind, delay in zip(MIRRORS, kinds, delays, strict=True)}  # fmt: skip
    run, log = await _observe(stage, "first_mirror", routes, "/mirror/")
    assert_no_unawaited(run.warnings, "first_mirror", run.replies)
    if _upstream_error(run):
        raise teaching_failure(
            "first_mirror",
            f"when every mirror failed, it raised {_describe(run)}.",
            "The client gets a server error page instead of a clear answer.",
            "Catch each mirror's failure; when no mirror answered 200, "
            'return `JsonResponse({"error": "..."}, status=502)`.',
        )
    assert_json_error(
        run.reply,
        502,
        "first_mirror",
        why="Every mirror failed (an error status, a refused or dropped connection): the view is "
        'a gateway that got no good answer, which is 502 Bad Gateway with {"error": "..."}. A '
        "200 would tell the client that all is well.",
    )
    asked = {c.url for c in log.calls} | {
        u for u, r in routes.items() if r.failure is Failure.REFUSE
    }
    if len(asked) < len(MIRRORS):
        raise teaching_failure(
            "first_mirror",
            f"it answered 502 after asking only {len(asked)} of the {len(MIRRORS)} mirrors.",
            "502 means that every mirror failed; the ones never asked might have answered.",
            "Ask every mirror, and answer 502 only when all of them failed.",
        )
    return f"first_mirror answers 502 when all {len(MIRRORS)} mirrors fail"
