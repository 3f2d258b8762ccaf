"""ps4_production: ``summary`` (a cache in front of a slow upstream, without a stampede) and
``ticker`` (a stream of Server-Sent Events that stops when its client leaves).

Drawn per submission: the cities and their summaries, the summary service's speed and how it
fails, the ISBNs and their prices, the stream lengths and when the client hangs up. Every call
of the summary service gets the next "edition" of that city's summary, so each answer tells which
call made it; every call of the price service moves the price, like a ticker. The services' logs
say how many calls each city cost and whether the calls of different cities overlapped, and when
each ``price_of`` call started: "no call after the client left" is read on the judge's clock.
"""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import unquote, urlencode

from autograder.judge.client import Reply, Stream
from autograder.judge.registry import check
from autograder.judge.stage import Run, Stage
from autograder.judge.teaching import (
    assert_answered,
    assert_async_view,
    assert_json_error,
    assert_loop_never_blocked,
    assert_no_unawaited,
    body_of,
    raised,
    short,
    teaching_failure,
    where,
)
from autograder.runtime.simulated.practice import (
    PRICE_DELAY,
    PRICE_SERVICE,
    PRICE_URL,
    SUMMARY_SERVICE,
    SUMMARY_URL,
    PriceService,
    SummaryService,
)
from autograder.runtime.simulated.services import CallLog, Failure, Route

ASSIGNMENT = "ps4_production"
SUMMARY_TTL = 2.0
TICK = 0.3
UPSTREAM_TIMEOUT = 1.0
CONSTANTS = {"SUMMARY_URL": SUMMARY_URL, "SUMMARY_TTL": SUMMARY_TTL, "TICK": TICK,
             "UPSTREAM_TIMEOUT": UPSTREAM_TIMEOUT, "PRICE_URL": PRICE_URL}  # fmt: skip

# The blocking mistakes here block the loop for 0.3 s or more (time.sleep(TICK) in a stream, a
# sync client on the summary service) or for good (a threading.Lock); a cache call's trip to its
# thread takes well under a millisecond. A stream does little between its events.
SUMMARY_STALL_LIMIT = 0.25
TICKER_STALL_LIMIT = 0.5 * TICK
# A loop that has not answered the judge's probe for this long is stuck (a threading.Lock taken
# twice on the loop's thread): the judge breaks the block so that the notebook can go on.
UNBLOCK_AFTER = 1.0
# A price_of call that starts this soon after the client hung up was started before the server
# could know (the event it follows had just been sent); later ones were started for nobody.
LEAVE_GRACE = 0.5 * TICK
CITIES = ("Lisbon", "Porto", "Accra", "São Paulo", "Zürich", "Kraków", "Reykjavík",
          "Addis Ababa", "Hanoi", "Quito", "Tbilisi", "Oslo", "Lima", "Cork", "Nairobi",
          "Montréal", "Kyoto", "Valparaíso", "Tromsø", "Dakar", "Da Nang", "Ushuaia", "Jaipur",
          "Gdańsk", "Cusco", "Hobart", "Tallinn", "Medellín", "Aarhus",
          "Luang Prabang")  # fmt: skip
SKIES = ("sunny", "cloudy", "rain", "fog", "snow", "windy", "thunderstorms", "drizzle")


def _check(grade_id: str, points: int, view: str, hidden: bool = False):
    return check(ASSIGNMENT, grade_id, points, views=[view], hidden=hidden, constants=CONSTANTS,
                 clear_cache=view == "summary")  # fmt: skip


# --- summary: the services of one check --------------------------------------------------------


def _summaries(stage: Stage, cities: list[str]) -> SummaryService:
    draw = stage.draw.child("summaries")
    bodies = {
        city: {
            "city": city,
            "sky": draw.choice(SKIES),
            "temperature_c": draw.randint(-9, 38),
            "wind_kmh": draw.randint(0, 70),
        }
        for city in cities
    }
    return _Known(bodies, first_edition=draw.randint(100, 900))


class _Known(SummaryService):
    """The judge's summary service: the drawn cities only (any other name is not a city: 404)."""

    def __init__(self, bodies: dict[str, dict], first_edition: int) -> None:
        super().__init__(bodies.get, first_edition)
        self.known = bodies


def _summary_route(service: SummaryService, delay: float) -> dict[str, Route]:
    return {SUMMARY_SERVICE: Route(answer=service, delay=delay)}


def _path(city: str | None) -> str:
    return "/summary/" + ("" if city is None else "?" + urlencode({"city": city}))


def _cities(stage: Stage, count: int) -> list[str]:
    return stage.draw.child("cities").sample(CITIES, count)


def _calls(log: CallLog) -> list:
    return log.calls_to(SUMMARY_SERVICE)


def _reached(run: Run, log: CallLog) -> None:
    if any(r.outcome == "response" and r.status == 200 for r in run.replies) and not _calls(log):
        raise teaching_failure(
            "summary",
            "it answered 200 without a single request reaching the summary service.",
            "The summaries exist only behind `upstream_client()`; a client made another way "
            "reaches nothing here, and a summary that is not fetched is made up.",
            "`async with upstream_client() as client:` and "
            "`await client.get(SUMMARY_URL.format(city=city))`.",
        )


def _blocked_for_good(stage: Stage, run: Run, situation: str) -> None:
    """The loop was stuck until the judge broke it: a lock taken on the loop's own thread."""
    stuck = [r for r in run.replies if (r.exception or {}).get("type") == "LoopBlocked"]
    if not stage.unblocked and not stuck:
        return
    line = where(stuck[0]) if stuck else ""
    seen = f" (its thread was {run.stall_what})" if run.stall_what else ""
    raise teaching_failure(
        "summary",
        f"{situation}, the event loop stopped{seen}{line} and never went on by itself: the "
        f"grader had to break the block {max(stage.unblocked, len(stuck))} time(s).",
        "A `threading.Lock` (or another blocking wait) was taken on the event loop's own thread. "
        "The request that holds it waits for the upstream and can only go on in that thread, "
        "which now sleeps in `acquire()` waiting for the lock to be released: a deadlock, and "
        "no other request runs meanwhile.",
        "Use an `asyncio.Lock` (`async with lock:`): waiting for it gives the loop back, so "
        "the request holding it can finish and release it.",
    )


def _summary_body(reply: Reply, city: str) -> dict:
    """200 with {"city": city, "summary": ..., "cached": bool}."""
    if reply.outcome == "exception":
        error = (reply.exception or {}).get("type", "")
        if error in ("ConnectError", "RemoteProtocolError", "ReadTimeout", "HTTPStatusError"):
            raise teaching_failure(
                "summary",
                f"for {reply.label} it raised {raised(reply)}{where(reply)}.",
                "The summary service failed for this request, and the exception took the view "
                "down: the client got a server error page.",
                'Catch `httpx.HTTPError` and answer `JsonResponse({"error": "..."}, status=502)`.',
            )
    assert_answered(reply, "summary")
    if reply.status != 200:
        raise teaching_failure(
            "summary",
            f"for {reply.label} it answered {reply.status} {short(body_of(reply))}.",
            f"The summary service knows {city!r} and answers 200 for it (at "
            f"SUMMARY_URL.format(city=city)); the view should pass its summary on.",
        )
    body = body_of(reply)
    if not isinstance(body, dict) or set(body) != {"city", "summary", "cached"}:
        raise teaching_failure(
            "summary",
            f"for {reply.label} it answered {short(body)}.",
            'The body must be {"city": <the city>, "summary": <the summary service\'s JSON>, '
            '"cached": true or false}.',
        )
    if body["city"] != city:
        raise teaching_failure(
            "summary",
            f'for {reply.label} it answered "city": {short(body["city"])}; expected {short(city)}.',
            "The city is the `city` query parameter, as the client sent it.",
        )
    if not isinstance(body["cached"], bool):
        raise teaching_failure(
            "summary",
            f'for {reply.label} "cached" is {short(body["cached"])}, not true or false.',
            '"cached" says whether the summary came from the cache: a JSON boolean.',
        )
    return body


def _summary_is(body: dict, reply: Reply, service: _Known, city: str, editions: list[int]) -> None:
    """The summary is the one the service sent for ``city`` in one of ``editions``."""
    summary = body["summary"]
    served = {b["edition"]: b for b in service.bodies(city)}
    if isinstance(summary, dict) and summary.get("edition") in editions:
        if summary == served.get(summary["edition"]):
            return
    expected = served.get(editions[0]) or {**service.known[city], "edition": editions[0]}
    raise teaching_failure(
        "summary",
        f'for {reply.label} it answered "summary": {short(summary)}; the summary service sent '
        f"{short(expected)}.",
        "The summary is the upstream's JSON for that city, unchanged (`response.json()`): "
        "the one the call made for this request (or the cached copy of it).",
    )


def _cached_is(body: dict, reply: Reply, expected: bool, why: str) -> None:
    if body["cached"] is not expected:
        raise teaching_failure(
            "summary",
            f'for {reply.label} it answered "cached": {json.dumps(body["cached"])}; {why}.',
            '"cached" is false when this request fetched the summary, true when it found a '
            "fresh one in the cache.",
        )


async def _one_request(stage: Stage, city: str, cached: bool, why: str, service: _Known,
                       editions: list[int]) -> tuple[Run, dict]:  # fmt: skip
    run = await stage.run("summary", [_path(city)], time_limit=5.0)
    assert_no_unawaited(run.warnings, "summary", run.replies)
    body = _summary_body(run.reply, city)
    _summary_is(body, run.reply, service, city, editions)
    _cached_is(body, run.reply, cached, why)
    return run, body


# --- summary: the checks -----------------------------------------------------------------------


@_check("test_summary_answers", 1, "summary")
async def summary_answers(stage: Stage) -> str:
    """summary answers {"city": ..., "summary": <the upstream's JSON>, "cached": false}."""
    assert_async_view(await stage.kind("summary"), "summary")
    (city,) = _cities(stage, 1)
    service = _summaries(stage, [city])
    log = stage.install(_summary_route(service, stage.draw.uniform(0.15, 0.3)))
    run = await stage.run("summary", [_path(city)], time_limit=5.0)
    assert_no_unawaited(run.warnings, "summary", run.replies)
    _reached(run, log)
    body = _summary_body(run.reply, city)
    _summary_is(body, run.reply, service, city, [service.first_edition])
    _cached_is(body, run.reply, False, f"nothing was cached for {city} yet, and this request "
               "made the upstream call")  # fmt: skip
    return (
        f'summary answers {city!r} with the summary service\'s JSON and "cached": false '
        f"({len(_calls(log))} upstream call, {run.elapsed:.2f} s)"
    )


@_check("test_summary_caches", 1, "summary")
async def summary_caches(stage: Stage) -> str:
    """A second request while the summary is fresh comes from the cache: "cached": true."""
    assert_async_view(await stage.kind("summary"), "summary")
    (city,) = _cities(stage, 1)
    service = _summaries(stage, [city])
    log = stage.install(_summary_route(service, stage.draw.uniform(0.15, 0.3)))
    first_edition = service.first_edition
    first, _ = await _one_request(stage, city, False, "nothing was cached yet", service,
                                  [first_edition])  # fmt: skip
    second = await stage.run("summary", [_path(city)], time_limit=5.0)
    assert_no_unawaited(second.warnings, "summary", second.replies)
    body = _summary_body(second.reply, city)
    calls = _calls(log)
    if len(calls) > 1:
        raise teaching_failure(
            "summary",
            f"the second request for {city}, {second.started - first.reply.ended:.2f} s after "
            f"the first had its answer, called the summary service again ({len(calls)} calls).",
            f"The first answer should have been kept in Django's cache for SUMMARY_TTL "
            f"({SUMMARY_TTL:g} s), so that the second request needs no upstream call.",
            "`await cache.aset(key, summary, SUMMARY_TTL)` after fetching, and "
            "`await cache.aget(key)` before fetching (a key per city, such as "
            '`f"summary:{city}"`).',
        )
    _summary_is(body, second.reply, service, city, [first_edition])
    _cached_is(body, second.reply, True, "it came from the cache (no upstream call)")
    return (
        f"summary: the second request for {city!r} came from the cache in "
        f'{second.elapsed * 1000:.0f} ms ("cached": true), the first took {first.elapsed:.2f} s'
    )


@_check("test_summary_one_call_for_concurrent_misses", 2, "summary")
async def summary_one_call_for_concurrent_misses(stage: Stage) -> str:
    """Requests at once for an uncached city cause one upstream call; all get its summary."""
    assert_async_view(await stage.kind("summary"), "summary")
    (city,) = _cities(stage, 1)
    count, delay = stage.draw.randint(5, 8), stage.draw.uniform(0.3, 0.4)
    service = _summaries(stage, [city])
    log = stage.install(_summary_route(service, delay))
    run = await stage.run("summary", [_path(city)] * count, time_limit=8.0,
                          unblock_after=UNBLOCK_AFTER)  # fmt: skip
    await stage.settle(log, time.perf_counter() + 2.0)
    situation = f"with {count} requests at once for {city}"
    assert_no_unawaited(run.warnings, "summary", run.replies)
    _blocked_for_good(stage, run, situation)
    _reached(run, log)
    assert_loop_never_blocked(run.stall, "summary", count, SUMMARY_STALL_LIMIT, run.stall_what)
    bodies = [_summary_body(reply, city) for reply in run.replies]
    _stampede(log, {city: count}, delay)
    for body, reply in zip(bodies, run.replies, strict=True):
        _summary_is(body, reply, service, city, [service.first_edition])
    waited = sum(body["cached"] for body in bodies)
    return (
        f"summary: {count} requests at once for {city!r} made 1 upstream call and all got its "
        f'summary in {run.elapsed:.2f} s ({waited} said "cached": true); longest event-loop '
        f"stall {run.stall * 1000:.0f} ms"
    )


def _stampede(log: CallLog, requests: dict[str, int], delay: float) -> None:
    """Exactly one call per city; else say whether the extra calls overlapped or queued."""
    for city, count in requests.items():
        calls = [c for c in _calls(log) if _city_of(c.url) == city]
        if len(calls) <= 1:
            continue
        overlap = log.peak_overlap(calls)
        if overlap > 1:
            raise teaching_failure(
                "summary",
                f"{count} requests at once for {city} made {len(calls)} upstream calls, up to "
                f"{overlap} of them in flight at the same time: a cache stampede.",
                "Every request found the cache empty before the first call came back, and "
                "fetched the summary itself. On a busy site an expired entry turns into a flood "
                "of calls to the upstream, at the worst moment.",
                "Let one request per city fetch, and the others wait for it: an "
                "`asyncio.Lock` per city (look in the cache again once you hold it), or one "
                "shared task per city that the other requests await.",
            )
        raise teaching_failure(
            "summary",
            f"{count} requests at once for {city} made {len(calls)} upstream calls, one after "
            f"another (each about {delay:g} s).",
            "The requests queued for the lock, and each one, once it held the lock, fetched "
            "the summary again: it did not look whether the one before had just cached it.",
            "Inside the lock, look in the cache again (`await cache.aget(key)`) and fetch only "
            "when it is still missing.",
        )


def _city_of(url: str) -> str:
    """The city a call to the summary service asked for."""
    return unquote(url.split("?", 1)[0].rsplit("/", 1)[-1])


@_check("test_summary_cities_do_not_wait", 2, "summary", hidden=True)
async def summary_cities_do_not_wait(stage: Stage) -> str:
    """Hidden test: requests for different cities at once do not wait for each other."""
    assert_async_view(await stage.kind("summary"), "summary")
    cities = _cities(stage, 3)
    per_city, delay = stage.draw.randint(2, 4), stage.draw.uniform(0.3, 0.4)
    service = _summaries(stage, cities)
    log = stage.install(_summary_route(service, delay))
    asked = stage.draw.shuffled([city for city in cities for _ in range(per_city)])
    paths = [_path(city) for city in asked]
    run = await stage.run("summary", paths, time_limit=8.0, unblock_after=UNBLOCK_AFTER)
    await stage.settle(log, time.perf_counter() + 2.0)
    situation = f"with {len(paths)} requests at once for {len(cities)} cities"
    assert_no_unawaited(run.warnings, "summary", run.replies)
    _blocked_for_good(stage, run, situation)
    _reached(run, log)
    assert_loop_never_blocked(run.stall, "summary", len(paths), SUMMARY_STALL_LIMIT, run.stall_what)
    bodies = [
        (_summary_body(reply, city), reply, city)
        for reply, city in zip(run.replies, asked, strict=True)
    ]
    _stampede(log, dict.fromkeys(cities, per_city), delay)
    for body, reply, city in bodies:
        _summary_is(body, reply, service, city, [service.first_edition])
    peak = log.peak_overlap(_calls(log))
    if peak < len(cities):
        origin = run.started
        timeline = ", ".join(
            f"{_city_of(c.url)} {c.started - origin:.2f}-{(c.ended or origin) - origin:.2f} s"
            for c in sorted(_calls(log), key=lambda c: c.started)
        )
        raise teaching_failure(
            "summary",
            f"{situation}, the upstream calls of the cities ran one after another "
            f"({timeline}): each city waited for the others.",
            "One lock for every city makes a request for Porto wait while Lisbon is fetched. "
            "Only requests for the same city need to wait for each other.",
            "Keep one `asyncio.Lock` per city, in a dict (`locks.setdefault(city, "
            "asyncio.Lock())`), or one shared task per city.",
        )
    one_by_one = len(cities) * delay
    return (
        f"summary: {len(paths)} requests for {len(cities)} cities at once made one call per "
        f"city, all {peak} in flight together; answered in {run.elapsed:.2f} s (city after "
        f"city: {one_by_one:.1f} s)"
    )


@_check("test_summary_expires_after_ttl", 1, "summary", hidden=True)
async def summary_expires_after_ttl(stage: Stage) -> str:
    """Hidden test: a summary is kept SUMMARY_TTL seconds, then fetched again."""
    assert_async_view(await stage.kind("summary"), "summary")
    (city,) = _cities(stage, 1)
    service = _summaries(stage, [city])
    log = stage.install(_summary_route(service, stage.draw.uniform(0.15, 0.25)))
    first_edition = service.first_edition
    first, _ = await _one_request(stage, city, False, "nothing was cached yet", service,
                                  [first_edition])  # fmt: skip
    stored = first.reply.ended  # the value was stored before the answer was sent
    await asyncio.sleep(max(0.0, stored + 0.4 * SUMMARY_TTL - time.perf_counter()))
    fresh = await stage.run("summary", [_path(city)], time_limit=5.0)
    body = _summary_body(fresh.reply, city)
    if len(_calls(log)) > 1:
        raise teaching_failure(
            "summary",
            f"{fresh.started - stored:.1f} s after the first answer for {city}, within "
            f"SUMMARY_TTL ({SUMMARY_TTL:g} s), a request called the summary service again.",
            "The summary should stay in the cache for SUMMARY_TTL seconds.",
            "`await cache.aset(key, summary, SUMMARY_TTL)` (the third argument is the "
            "timeout in seconds).",
        )
    _summary_is(body, fresh.reply, service, city, [first_edition])
    _cached_is(body, fresh.reply, True, "the summary was still fresh in the cache")
    await asyncio.sleep(max(0.0, stored + 1.4 * SUMMARY_TTL - time.perf_counter()))
    late = await stage.run("summary", [_path(city)], time_limit=5.0)
    body = _summary_body(late.reply, city)
    if len(_calls(log)) < 2:
        raise teaching_failure(
            "summary",
            f"{late.started - stored:.1f} s after the first answer for {city}, longer than "
            f"SUMMARY_TTL ({SUMMARY_TTL:g} s), the answer still came from the cache "
            f"({short(body['summary'])}).",
            "A cached summary is fresh for SUMMARY_TTL seconds only; after that the view must "
            "fetch a new one. Without a timeout (`cache.aset(key, value)`) Django keeps it for "
            "the cache's default, 300 s.",
            "`await cache.aset(key, summary, SUMMARY_TTL)`.",
        )
    _summary_is(body, late.reply, service, city, [first_edition + 1])
    _cached_is(body, late.reply, False, "the cached summary had expired and this request "
               "fetched a new one")  # fmt: skip
    return (
        f"summary: {city!r} came from the cache {fresh.started - stored:.1f} s after it was "
        f"stored and was fetched again {late.started - stored:.1f} s after "
        f"(SUMMARY_TTL = {SUMMARY_TTL:g} s)"
    )


FAILURES = {
    "503": ("it answered 503 (maintenance)", Route(json={"detail": "down"}, status=503, delay=0.1)),
    "500": ("it answered 500", Route(json={"detail": "internal error"}, status=500, delay=0.1)),
    "refused": ("it refused the connection", Route(failure=Failure.REFUSE)),
    "dropped": ("it dropped the connection", Route(failure=Failure.RESET, delay=0.1)),
    "timeout": (
        f"it did not answer within UPSTREAM_TIMEOUT ({UPSTREAM_TIMEOUT:g} s)",
        Route(failure=Failure.HANG),
    ),
}


@_check("test_summary_failures_are_502_not_cached", 1, "summary", hidden=True)
async def summary_failures_are_502_not_cached(stage: Stage) -> str:
    """Hidden test: an upstream failure or time-out gives 502 {"error": ...}; nothing is cached."""
    assert_async_view(await stage.kind("summary"), "summary")
    draw = stage.draw
    kinds = [draw.choice(["503", "500"]), draw.choice(["refused", "dropped"]), "timeout"]
    cities = _cities(stage, len(kinds))
    service = _summaries(stage, cities)
    shown = []
    for city, kind in zip(cities, draw.shuffled(kinds), strict=True):
        what, route = FAILURES[kind]
        stage.install({SUMMARY_SERVICE: route})
        run = await stage.run("summary", [_path(city)], time_limit=3 * UPSTREAM_TIMEOUT + 2)
        assert_no_unawaited(run.warnings, "summary", run.replies)
        reply = run.reply
        if reply.outcome == "exception":
            raise teaching_failure(
                "summary",
                f"when the summary service failed for {city} ({what}), it raised "
                f"{raised(reply)}{where(reply)}.",
                "An upstream that fails is the upstream's problem, not a bug of the view: the "
                "client should get a clear answer, not a server error page.",
                "Catch `httpx.HTTPError` (it covers refused and dropped connections and "
                "time-outs; check `response.is_error` or call `response.raise_for_status()` "
                'for error statuses) and answer `JsonResponse({"error": "..."}, status=502)`.',
            )
        assert_json_error(
            reply,
            502,
            "summary",
            why=f"The summary service failed for {city} ({what}). The view is a gateway that "
            'got no good answer: 502 Bad Gateway with {"error": "..."}.',
        )
        log = stage.install(_summary_route(service, draw.uniform(0.15, 0.25)))
        after = await stage.run("summary", [_path(city)], time_limit=5.0)
        if not _calls(log):
            raise teaching_failure(
                "summary",
                f"after the summary service had failed for {city} ({what}), the next request "
                f"did not call it again and answered {after.reply.status} "
                f"{short(body_of(after.reply))}.",
                "The failure was kept in the cache: for SUMMARY_TTL seconds every client gets "
                "the error, although the upstream works again. Nothing may be cached for a "
                "failure.",
                "Store only good answers: `cache.aset(...)` after a 200 from the upstream, "
                "never for an error.",
            )
        body = _summary_body(after.reply, city)
        _summary_is(body, after.reply, service, city, [service.first_edition])
        _cached_is(body, after.reply, False, "nothing was cached after the failure")
        shown.append(kind)
    return (
        f"summary answers 502 with an error when the summary service fails ({', '.join(shown)}) "
        "and caches nothing for it: the next request fetches again"
    )


@_check("test_summary_rejects_missing_city", 1, "summary", hidden=True)
async def summary_rejects_missing_city(stage: Stage) -> str:
    """Hidden test: no city, or an empty one, gets 400 {"error": ...} and no upstream call."""
    assert_async_view(await stage.kind("summary"), "summary")
    (city,) = _cities(stage, 1)
    log = stage.install(_summary_route(_summaries(stage, [city]), 0.1))
    paths = [_path(None), _path(""), "/summary/?" + urlencode({"town": city})]
    run = await stage.run("summary", paths, time_limit=5.0)
    assert_no_unawaited(run.warnings, "summary", run.replies)
    for reply in run.replies:
        assert_json_error(reply, 400, "summary",
                          why="Without a city there is nothing to look up: that is the client's "
                          'mistake, 400 with {"error": "..."}.')  # fmt: skip
    if _calls(log):
        raise teaching_failure(
            "summary",
            f"for requests without a city it called the summary service ({log.timeline()}).",
            "A request that is refused with 400 needs no upstream call.",
            "Check the city first, and answer 400 before fetching anything.",
        )
    return f"summary answers 400 with an error for {len(paths)} requests without a city"


# --- ticker ------------------------------------------------------------------------------------


def _prices(stage: Stage) -> PriceService:
    draw = stage.draw.child("prices")
    starts: dict[str, int] = {}

    def start(isbn: str) -> int:
        return starts.setdefault(isbn, draw.randint(499, 6999))

    def step(isbn: str, calls: int) -> int:
        return draw.choice([-45, -25, -10, -5, 5, 10, 15, 25, 40])

    return PriceService(start=start, step=step)


def _price_route(service: PriceService, stage: Stage) -> dict[str, Route]:
    delay = stage.draw.child("price-delay").uniform(0.5 * PRICE_DELAY, 1.5 * PRICE_DELAY, 3)
    return {PRICE_SERVICE: Route(answer=service, delay=delay)}


def _ticker_path(isbn: str | None, count: object | None) -> str:
    query = {k: v for k, v in (("isbn", isbn), ("count", count)) if v is not None}
    return "/ticker/" + (f"?{urlencode(query)}" if query else "")


def _stream_time_limit(count: int) -> float:
    return count * (TICK + 2 * PRICE_DELAY) * 2 + 2.0


def _is_event_stream(stream: Stream) -> None:
    """200, text/event-stream."""
    reply = stream.reply
    assert_answered(reply, "ticker")
    if reply.status != 200:
        raise teaching_failure(
            "ticker",
            f"for {reply.label} it answered {reply.status} {short(body_of(reply))}.",
            "A valid ISBN and count get a 200 stream of events.",
        )
    kind = reply.headers.get("content-type", "")
    if not kind.startswith("text/event-stream"):
        raise teaching_failure(
            "ticker",
            f"for {reply.label} the response's content type is {kind!r}.",
            "A browser's `EventSource` only reads a stream whose content type is "
            "`text/event-stream`; it refuses anything else.",
            'StreamingHttpResponse(events(), content_type="text/event-stream").',
        )


def _sync_warning(run: Run) -> str:
    return next((w for w in run.warnings if "synchronous iterators" in w), "")


def _event_prices(stream: Stream, isbn: str, count: int) -> list[str]:
    """The events: ``count`` of them, each data: {"isbn": isbn, "price": <str>}."""
    reply = stream.reply
    prices = []
    for number, event in enumerate(stream.events, 1):
        try:
            data = json.loads(event.data)
        except ValueError:
            data = None
        if not (isinstance(data, dict) and set(data) == {"isbn", "price"}):
            raise teaching_failure(
                "ticker",
                f"for {reply.label} event {number} is {short(event.text)!r}.",
                'Each event is one line `data: {"isbn": ..., "price": ...}` (JSON) followed by '
                "a blank line.",
                "yield f\"data: {json.dumps({'isbn': isbn, 'price': price})}\\n\\n\".",
            )
        if data["isbn"] != isbn:
            raise teaching_failure(
                "ticker",
                f'for {reply.label} event {number} has "isbn": {short(data["isbn"])}.',
                "Every event carries the ISBN the client asked for, as a string.",
            )
        if not isinstance(data["price"], str):
            raise teaching_failure(
                "ticker",
                f'for {reply.label} event {number} has "price": {short(data["price"])}, a '
                f"{type(data['price']).__name__}.",
                'The price is the string price_of returned, such as "12.50": a number loses '
                "its trailing zero (12.5) and may be rounded.",
                'Put the string in the event as it is: {"isbn": isbn, "price": price}.',
            )
        prices.append(data["price"])
    if len(prices) != count:
        raise teaching_failure(
            "ticker",
            f"for {reply.label} the stream had {len(prices)} event(s) "
            f"({short(reply.text(120))!r}).",
            f"count={count} asks for {count} events, then the stream ends.",
        )
    return prices


def _prices_from_price_of(prices: list[str], reply: Reply, service: PriceService,
                          isbn: str) -> None:  # fmt: skip
    served = service.prices(isbn)
    if prices == served:
        return
    if not served:
        raise teaching_failure(
            "ticker",
            f"for {reply.label} it never called price_of, yet the events say {prices}.",
            "The prices come from the price service, through the provided `price_of(isbn)`.",
            "`price = await price_of(isbn)` for every event.",
        )
    if len(served) == 1:
        raise teaching_failure(
            "ticker",
            f"for {reply.label} it called price_of once ({served[0]}) for {len(prices)} events "
            f"({', '.join(prices)}).",
            "A ticker shows the price as it moves: every event needs a fresh price.",
            "Call `await price_of(isbn)` for each event, inside the loop.",
        )
    raise teaching_failure(
        "ticker",
        f"for {reply.label} the events' prices are {', '.join(prices)}; price_of returned "
        f"{', '.join(served)} (in that order).",
        "Event n carries the price of the n-th `await price_of(isbn)`, one call per event.",
    )


@_check("test_ticker_streams_events", 1, "ticker")
async def ticker_streams_events(stage: Stage) -> str:
    """ticker streams count events data: {"isbn": ..., "price": ...} as text/event-stream."""
    assert_async_view(await stage.kind("ticker"), "ticker")
    isbn, count = stage.draw.isbn(), stage.draw.randint(2, 4)
    service = _prices(stage)
    stage.install(_price_route(service, stage))
    run = await stage.stream("ticker", [_ticker_path(isbn, count)], _stream_time_limit(count))
    assert_no_unawaited(run.warnings, "ticker", run.replies)
    (stream,) = run.streams
    _is_event_stream(stream)
    prices = _event_prices(stream, isbn, count)
    _prices_from_price_of(prices, stream.reply, service, isbn)
    return (
        f"ticker streams {count} events for {isbn}, with the prices price_of gave "
        f"({', '.join(prices)})"
    )


@_check("test_ticker_first_event_within_a_tick", 2, "ticker")
async def ticker_first_event_within_a_tick(stage: Stage) -> str:
    """Two streams at once: each event arrives when it is ready, one every TICK; no stalls."""
    assert_async_view(await stage.kind("ticker"), "ticker")
    isbns, count = stage.draw.isbns(2), stage.draw.randint(4, 5)
    service = _prices(stage)
    stage.install(_price_route(service, stage))
    paths = [_ticker_path(isbn, count) for isbn in isbns]
    run = await stage.stream("ticker", paths, _stream_time_limit(count))
    assert_no_unawaited(run.warnings, "ticker", run.replies)
    for stream, isbn in zip(run.streams, isbns, strict=True):
        _is_event_stream(stream)
        _event_prices(stream, isbn, count)
    assert_loop_never_blocked(run.stall, "ticker", len(paths), TICKER_STALL_LIMIT, run.stall_what)
    firsts, gaps = [], []
    for stream in run.streams:
        reply, arrived = stream.reply, [e.arrived for e in stream.events]
        first = arrived[0] - reply.started
        if first > 2 * TICK:
            raise _late_first_event(run, stream, first, count)
        apart = [b - a for a, b in zip(arrived, arrived[1:], strict=False)]
        if min(apart) < 0.5 * TICK:
            raise teaching_failure(
                "ticker",
                f"for {reply.label} events came {', '.join(f'{g:.2f}' for g in apart)} s apart; "
                f"one every TICK ({TICK:g} s) is expected.",
                "The generator did not wait between events, so the ticker sends its prices as "
                "fast as price_of answers.",
                "`await asyncio.sleep(TICK)` between two events.",
            )
        firsts.append(first)
        gaps.extend(apart)
    return (
        f"ticker: two streams of {count} events at once; first events after "
        f"{', '.join(f'{f:.2f}' for f in firsts)} s, then {min(gaps):.2f}-{max(gaps):.2f} s apart "
        f"(TICK = {TICK:g} s); longest event-loop stall {run.stall * 1000:.0f} ms"
    )


def _late_first_event(run: Run, stream: Stream, first: float, count: int) -> Exception:
    """Why the first event came late: the view built the stream first, or Django did."""
    reply, arrived = stream.reply, [e.arrived for e in stream.events]
    what = (
        f"for {reply.label} the first event arrived after {first:.2f} s, and all {count} within "
        f"{arrived[-1] - arrived[0]:.2f} s of each other; with TICK = {TICK:g} s the first is due "
        "at once and the others one every TICK."
    )
    returned = (stream.headers_arrived or reply.started) - reply.started
    warned = _sync_warning(run)
    if returned > TICK:
        return teaching_failure(
            "ticker",
            what + f" The view itself returned its response only after {returned:.2f} s.",
            "The view built every event before returning the response (a list of events, say), "
            "so the client waits for the whole stream, and a client that leaves early does not "
            "save a single price_of call.",
            "Return the StreamingHttpResponse at once, with an `async def` generator that makes "
            "each event when it is due: `price = await price_of(isbn)`, `yield ...`, `await "
            "asyncio.sleep(TICK)`.",
        )
    if warned:
        return teaching_failure(
            "ticker",
            what,
            f"Django warned: {warned}. It cannot wait for a synchronous generator without "
            "blocking, so it runs it to the end in a thread and sends the events only then.",
            "Write the generator with `async def`, and `await asyncio.sleep(TICK)` instead of "
            "`time.sleep`.",
        )
    return teaching_failure(
        "ticker",
        what,
        "The events were held back and sent together: something waited for the whole stream "
        "before the first event went out.",
        "Yield each event as soon as it has its price, from an `async def` generator.",
    )


@_check("test_ticker_rejects_bad_input", 1, "ticker", hidden=True)
async def ticker_rejects_bad_input(stage: Stage) -> str:
    """Hidden test: a bad isbn or count gets 400 {"error": ...} before any streaming."""
    assert_async_view(await stage.kind("ticker"), "ticker")
    draw = stage.draw
    isbn = draw.isbn()
    bad_isbns = [None, "", isbn[:-1], isbn + draw.choice("0123456789"),
                 isbn[:5] + draw.choice("XAbx") + isbn[6:],
                 f"{isbn[:3]}-{isbn[3]}-{isbn[4:6]}-{isbn[6:12]}-{isbn[12]}"]  # fmt: skip
    bad_counts = [None, "", "0", "21", f"-{draw.randint(1, 5)}", draw.choice(["abc", "many"]),
                  draw.choice(["2.5", "1e1", "3x"]), str(draw.randint(22, 500))]  # fmt: skip
    good = draw.randint(1, 20)
    paths = [_ticker_path(b, good) for b in draw.sample(bad_isbns, 4)] + [
        _ticker_path(isbn, b) for b in draw.sample(bad_counts, 5)
    ]
    log = stage.install(_price_route(_prices(stage), stage))
    run = await stage.stream("ticker", paths, time_limit=5.0, stop_after=1)
    assert_no_unawaited(run.warnings, "ticker", run.replies)
    for stream in run.streams:
        reply = stream.reply
        if reply.outcome == "response" and reply.status == 200:
            raise teaching_failure(
                "ticker",
                f"for {reply.label} it answered 200 and began a stream "
                f"({short(reply.text(100))!r}).",
                "Once a streaming response has started, its status (200) has been sent: an "
                "error found later cannot become a 400. A bad isbn or count must be refused "
                'before the stream starts: 400 with {"error": "..."}.',
                "Check isbn (13 digits) and count (a whole number from 1 to 20) in the view, "
                "and return `JsonResponse({...}, status=400)` before creating the "
                "StreamingHttpResponse.",
            )
        assert_json_error(
            reply,
            400,
            "ticker",
            why="isbn must be 13 digits and count a whole number from 1 to 20; anything else "
            'is the client\'s mistake: 400 with {"error": "..."}.',
        )
    # The limits themselves are allowed: 1 and 20 (a view still at work when the client leaves
    # has accepted them too).
    edges = await stage.stream("ticker", [_ticker_path(isbn, 1), _ticker_path(isbn, 20)],
                               time_limit=1.0 + 2 * TICK, stop_after=1)  # fmt: skip
    await _drain(log, isbn, 20)  # a stream that outlives its client is the last test's business
    for stream in edges.streams:
        if stream.reply.outcome != "timeout":
            _is_event_stream(stream)
    return f"ticker refuses {len(paths)} bad requests with 400 and accepts count=1 and count=20"


@_check("test_ticker_stops_when_client_leaves", 2, "ticker", hidden=True)
async def ticker_stops_when_client_leaves(stage: Stage) -> str:
    """Hidden test: when the client disconnects, the stream stops: no more price_of calls."""
    assert_async_view(await stage.kind("ticker"), "ticker")
    isbn, count, read = stage.draw.isbn(), stage.draw.randint(16, 20), stage.draw.randint(2, 3)
    service = _prices(stage)
    log = stage.install(_price_route(service, stage))
    # The client leaves after `read` events, or (a stream that sends nothing yet) long before a
    # view that builds all `count` events first could have finished.
    patience = (read + 1) * (TICK + 2 * PRICE_DELAY) * 1.5 + 0.5
    run = await stage.stream("ticker", [_ticker_path(isbn, count)], patience, stop_after=read)
    (stream,) = run.streams
    if stream.reply.outcome != "timeout":  # the view answered: a stream, the events began
        _is_event_stream(stream)
    left = stream.closed if stream.closed is not None else stream.reply.ended
    await asyncio.sleep(3 * TICK + 2 * PRICE_DELAY)  # time for a stream that goes on to show it
    assert_no_unawaited(run.warnings, "ticker", run.replies)
    assert_loop_never_blocked(run.stall, "ticker", 1, TICKER_STALL_LIMIT, run.stall_what)
    calls = log.calls_to(PRICE_SERVICE + isbn)
    late = [c for c in calls if c.started > left + LEAVE_GRACE]
    warned = _sync_warning(run)
    if warned:
        # Whether a disconnect stops a generator that Django runs in a thread is left to chance
        # (asgiref cancels only the async call in flight at that moment), so say it either way.
        await _drain(log, isbn, count)
        after = f"; then price_of was still called {len(late)} time(s)" if late else ""
        raise teaching_failure(
            "ticker",
            f"the client left after {left - stream.reply.started:.2f} s, having read "
            f"{len(stream.events)} event(s), while Django was running the generator in a "
            f"thread{after}.",
            f"Django warned: {warned}. It runs a synchronous generator in a thread, to the end, "
            "before it sends a single event; a thread cannot be cancelled, so a client that "
            "leaves does not stop the stream.",
            "Write the generator with `async def`, `await price_of(isbn)` and `await "
            "asyncio.sleep(TICK)`: Django then cancels it at its `await` when the client leaves.",
        )
    if late:
        await _drain(log, isbn, count)
        total = len(log.calls_to(PRICE_SERVICE + isbn))
        raise teaching_failure(
            "ticker",
            f"the client read {len(stream.events)} event(s) and closed the connection; then "
            f"price_of was still called {len(late)} time(s) in {3 * TICK:.1f} s "
            f"({total} calls in all, for count={count}).",
            "When the client disconnects, Django cancels the response: a CancelledError is "
            "raised at the `await` where the generator waits. The generator caught it and went "
            "on, so the stream kept running (and calling the upstream) for a client that was "
            "gone.",
            "Let CancelledError end the generator: clean up in `finally:` (or re-raise it after "
            "`except asyncio.CancelledError:`), never swallow it.",
        )
    return (
        f"ticker: the client read {len(stream.events)} of {count} events and left; no price_of "
        f"call started after that ({len(calls)} calls in all)"
    )


async def _drain(log: CallLog, isbn: str, count: int) -> None:
    """Wait (a bounded time) until the streams of ``isbn`` make no more price_of calls.

    A stream that outlives its client (or a synchronous generator that holds the kernel's one
    thread for sync code) would otherwise run into the next check and change what it sees.
    """
    deadline = time.perf_counter() + count * (TICK + 2 * PRICE_DELAY) + 1.0
    seen = -1
    while time.perf_counter() < deadline:
        calls = len(log.calls_to(PRICE_SERVICE + isbn))
        if calls == seen:
            return
        seen = calls
        # A stream that goes on calls price_of at least once a TICK (plus a price delay).
        await asyncio.sleep(1.5 * (TICK + 2 * PRICE_DELAY))
