"""ps3 ``prices``: call a blocking legacy function concurrently, in threads.

``legacy_price(isbn)`` (demo_project.catalog.legacy) is a blocking client of a price service;
while a notebook is graded the judge serves that service, with prices and isbns drawn per
submission. So the judge sees every lookup arrive: which ran at the same time, how long each
took, and which thread the kernel's client says it called from. A lookup made on the event
loop's own thread blocks the loop for its whole 0.2 s, which the observer sees.
"""

from __future__ import annotations

import json
from urllib.parse import unquote, urlencode

from autograder.judge.assignments.ps3.common import ASSIGNMENT
from autograder.judge.registry import check
from autograder.judge.stage import Run, Stage
from autograder.judge.teaching import (
    DEFAULT_STALL_LIMIT,
    assert_async_view,
    assert_json_error,
    assert_loop_never_blocked,
    assert_no_unawaited,
    assert_status,
    teaching_failure,
)
from autograder.runtime.simulated.http import Request as ServiceRequest
from autograder.runtime.simulated.services import CallLog, Route

PRICES_PATH = "/api/prices/"
SERVICE = "https://legacy-prices.example/prices/"
LEGACY_DELAY = 0.2  # demo_project.catalog.legacy.LEGACY_DELAY_SECONDS
MAX_ISBNS = 10


def _table(stage: Stage, count: int = 12) -> dict[str, str]:
    draw = stage.draw.child("prices")
    return {isbn: draw.price() for isbn in draw.isbns(count)}


def _service(stage: Stage, table: dict[str, str]) -> CallLog:
    def answer(request: ServiceRequest) -> tuple[int, object]:
        isbn = unquote(request.path.rsplit("/", 1)[-1])
        if isbn in table:
            return 200, {"isbn": isbn, "price": table[isbn]}
        return 404, {"detail": f"no price for {isbn}"}

    return stage.install({SERVICE: Route(answer=answer, delay=LEGACY_DELAY)})


def _path(isbns) -> str:
    return f"{PRICES_PATH}?{urlencode([('isbn', isbn) for isbn in isbns])}"


def _explain_key_error(reply) -> None:
    error = reply.exception or {}
    leaves = {leaf["type"] for leaf in error.get("leaves", [])}
    if error.get("type") == "KeyError" or "KeyError" in leaves:
        raise teaching_failure(
            "prices",
            f"for {reply.label} it raised {error.get('type')}: {error.get('message', '')[:200]}.",
            "legacy_price raises KeyError for an isbn it has no price for, and the view let it "
            "escape (through `asyncio.gather`, it ends the whole request), so the client gets a "
            "500 error instead of the other prices.",
            "Catch KeyError around each lookup and use None for that isbn (null in the JSON).",
        )


def _assert_all_answered(run: Run) -> None:
    assert_no_unawaited(run.warnings, "prices", run.replies)
    for reply in run.replies:
        _explain_key_error(reply)
        assert_status(reply, 200, "prices")


def _assert_prices(reply, isbns: list[str], table: dict[str, str]) -> None:
    _explain_key_error(reply)
    assert_status(reply, 200, "prices")
    expected = {"prices": {i: table.get(i) for i in isbns}}
    try:
        body = reply.json()
    except ValueError:
        body = None
    if body == expected:
        return
    wrong = ""
    if isinstance(body, dict) and isinstance(body.get("prices"), dict):
        got = body["prices"]
        wrong = "; ".join(
            f"{isbn}: {json.dumps(got[isbn]) if isbn in got else 'missing'} instead of "
            f"{json.dumps(price)}"
            for isbn, price in expected["prices"].items()
            if got.get(isbn, ...) != price
        )
        extra = sorted(set(got) - set(expected["prices"]))
        wrong += f"{'; ' if wrong else ''}unexpected keys {extra}" if extra else ""
    raise teaching_failure(
        "prices",
        f"for {reply.label} the prices are wrong: {wrong}."
        if wrong
        else f"for {reply.label} it returned {reply.text()!r}; expected {json.dumps(expected)}.",
        'The answer is {"prices": {isbn: price}}: each price as the string of the Decimal that '
        '`legacy_price(isbn)` returns (`str(price)`, e.g. "12.50"), and null for an isbn it '
        "does not know (it raises KeyError). The grader's price service knows prices that no "
        "copy of a table in the notebook has, so every price must come from calling it.",
    )


def _judge_overlap(stage: Stage, run: Run, log: CallLog, isbns: list[str], limit: float) -> None:
    """The lookups ran at the same time, in threads, and the event loop never stood still."""
    one_by_one = len(isbns) * LEGACY_DELAY
    calls = log.calls
    on_loop = [c for c in calls if stage.loop_thread and c.thread == stage.loop_thread]
    if on_loop and run.stall >= 0.5 * LEGACY_DELAY:  # the kernel says so, and the loop shows it
        raise teaching_failure(
            "prices",
            f"{len(on_loop)} of the legacy_price calls ran on the event loop's own thread, "
            f"{LEGACY_DELAY} s each; the longest event-loop stall was {run.stall:.2f} s.",
            "legacy_price blocks the thread that calls it. Called straight from an async view, "
            "it stops the event loop, so nothing else runs, not even the other lookups.",
            "Run it in a thread: `await sync_to_async(legacy_price, thread_sensitive=False)(isbn)` "
            "or `await asyncio.to_thread(legacy_price, isbn)`, all started together with "
            "`asyncio.gather`.",
        )
    assert_loop_never_blocked(run.stall, "prices", 1, DEFAULT_STALL_LIMIT, run.stall_what)
    timeline = log.timeline(run.started).replace(SERVICE, "")
    if len(calls) >= 2 and log.peak_overlap() < 2:
        threads = {c.thread for c in calls}
        if len(threads) == 1 and None not in threads:
            raise teaching_failure(
                "prices",
                f"the {len(calls)} legacy_price calls ran one at a time ({timeline}), all on one "
                "thread: the single shared thread that `sync_to_async` uses by default "
                "(thread_sensitive=True).",
                "With thread_sensitive=True every call waits for that one thread, so that code "
                "which must stay on one thread (the ORM and its database connection) does. "
                "Gathering such calls still runs them one after another.",
                "legacy_price is thread-safe: `sync_to_async(legacy_price, "
                "thread_sensitive=False)` or `asyncio.to_thread(legacy_price, isbn)` run each "
                "call on a thread of its own from a pool.",
            )
        raise teaching_failure(
            "prices",
            f"the {len(calls)} legacy_price calls ran one after another ({timeline}).",
            "Each lookup was awaited before the next one started, so the waits add up.",
            "Start all the lookups first and await them together: "
            "`await asyncio.gather(*(lookup(isbn) for isbn in isbns))` or a TaskGroup.",
        )
    if run.elapsed >= limit:
        raise teaching_failure(
            "prices",
            f"{len(isbns)} lookups took {run.elapsed:.2f} s, with at most {log.peak_overlap()} "
            f"legacy_price calls at once; overlapping lookups take well under {limit:.2f} s (one "
            f"at a time: {one_by_one:.2f} s).",
            "The lookups ran one after another. Two usual causes: `sync_to_async(legacy_price)` "
            "with its default thread_sensitive=True runs every call on one shared thread, one at "
            "a time, even under `asyncio.gather`; or each lookup was awaited before the next "
            "one started.",
            "`sync_to_async(legacy_price, thread_sensitive=False)` or "
            "`asyncio.to_thread(legacy_price, isbn)`, all started together with `asyncio.gather`.",
        )


async def _concurrent_prices(stage: Stage, known: int, unknown: int, limit: float) -> str:
    table = _table(stage)
    isbns = list(table)[:known] + stage.draw.child("unknown").isbns(unknown)
    isbns = stage.draw.shuffled(isbns)
    log = _service(stage, table)
    run = await stage.run("prices", [_path(isbns)])
    _assert_all_answered(run)
    _assert_prices(run.reply, isbns, table)
    asked = sorted({unquote(c.url.rsplit("/", 1)[-1]) for c in log.calls})
    if asked != sorted(isbns):
        raise teaching_failure(
            "prices",
            f"the price service was asked for {len(asked)} isbns, for a request with {len(isbns)}.",
            "Every price comes from one call of legacy_price per isbn.",
            "Call `legacy_price(isbn)` (in a thread) once for each isbn of the request.",
        )
    _judge_overlap(stage, run, log, isbns, limit)
    one_by_one = len(isbns) * LEGACY_DELAY
    return (
        f"prices: {len(isbns)} lookups in {run.elapsed:.2f} s (one by one: {one_by_one:.1f} s), "
        f"up to {log.peak_overlap()} legacy_price calls at once, longest event-loop stall "
        f"{run.stall * 1000:.0f} ms"
    )


@check(ASSIGNMENT, "test_prices_answers", 1, views=["prices"])
async def prices_answers(stage: Stage) -> str:
    """prices answers each isbn's price from legacy_price, and null for an isbn it does not know."""
    assert_async_view(await stage.kind("prices"), "prices")
    table = _table(stage)
    known = list(table)
    unknown = stage.draw.child("unknown").isbn()
    cases = [[known[0]], [known[1], unknown, known[2]], [known[3], known[3]]]
    log = _service(stage, table)
    run = await stage.run("prices", [_path(isbns) for isbns in cases])
    _assert_all_answered(run)
    for reply, isbns in zip(run.replies, cases, strict=True):
        _assert_prices(reply, list(dict.fromkeys(isbns)), table)
    if not log.calls:
        raise teaching_failure(
            "prices",
            "it answered without calling legacy_price at all.",
            "Every price comes from the legacy price service, through legacy_price.",
            "Call `legacy_price(isbn)` in a thread for each isbn.",
        )
    return f"prices answers {len(cases)} requests with the legacy prices and null when unknown"


@check(ASSIGNMENT, "test_prices_overlaps_lookups", 2, views=["prices"])
async def prices_overlaps_lookups(stage: Stage) -> str:
    """Five lookups run at the same time in threads; the event loop never stalls."""
    assert_async_view(await stage.kind("prices"), "prices")
    return await _concurrent_prices(stage, known=5, unknown=0, limit=0.6)


@check(ASSIGNMENT, "test_prices_rejects_bad_counts", 1, views=["prices"], hidden=True)
async def prices_rejects_bad_counts(stage: Stage) -> str:
    """Hidden test: no isbn, or more than ten, gets 400 at once, before any lookup."""
    assert_async_view(await stage.kind("prices"), "prices")
    table = _table(stage)
    eleven = list(table)[:11]
    log = _service(stage, table)
    paths = [PRICES_PATH, f"{PRICES_PATH}?isbns={eleven[0]}", _path(eleven)]
    run = await stage.run("prices", paths)
    assert_no_unawaited(run.warnings, "prices", run.replies)
    for reply in run.replies:
        assert_json_error(
            reply,
            400,
            "prices",
            why=f"prices needs 1 to {MAX_ISBNS} `isbn` parameters "
            "(`request.GET.getlist('isbn')`); anything else is a client error: 400 with "
            '{"error": "..."}.',
        )
    # "Before any lookup" is what the legacy service saw, not how soon the 400 came: a busy
    # machine can delay an answer that looked nothing up.
    if log.calls:
        raise teaching_failure(
            "prices",
            f"it called legacy_price {len(log.calls)} times for requests it answered 400.",
            "The view looked prices up before it checked how many isbns there are.",
            "Check the count first and answer 400 at once.",
        )
    assert_loop_never_blocked(run.stall, "prices", len(paths), what=run.stall_what)
    return f"prices answers 400 at once for no isbn and for {len(eleven)} isbns"


@check(ASSIGNMENT, "test_prices_handles_ten", 1, views=["prices"], hidden=True)
async def prices_handles_ten(stage: Stage) -> str:
    """Hidden test: ten isbns, two unknown, are looked up concurrently in well under 2 s."""
    assert_async_view(await stage.kind("prices"), "prices")
    return await _concurrent_prices(stage, known=8, unknown=2, limit=1.0)
