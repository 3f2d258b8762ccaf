"""ps3 ``book_stats``: read with the async ORM, answer count, mean, top title and authors.

The judge writes each catalog into the kernel's database file and reads nothing back from the
kernel but the HTTP answer. While a view runs, the database is slow for a moment (the judge holds
its lock): on the ORM's worker thread that is only a wait, but sync ORM code run on the event
loop's own thread (possible once ``DJANGO_ALLOW_ASYNC_UNSAFE`` switches Django's safety check
off) stalls the loop for as long, which the observer sees.
"""

from __future__ import annotations

import json

from autograder.judge.assignments.ps3 import catalogs
from autograder.judge.assignments.ps3.common import ASSIGNMENT, SLOW_DATABASE, database_of
from autograder.judge.registry import check
from autograder.judge.stage import Stage
from autograder.judge.teaching import (
    assert_async_view,
    assert_no_unawaited,
    assert_status,
    teaching_failure,
)

STATS_PATH = "/api/books/stats/"
STATS_HINTS = {
    "count": "the number of books, an integer",
    "average_rating": "the mean rating as a number rounded to 2 places (`round(value, 2)`: "
    "3.67, not 3.6666666666666665 or 3.66), or null when there are no books",
    "top_rated": "the title of the book with the highest rating; on a tie, the one published "
    "first, and on a tie on that too, the first title in alphabetical order; null when there are "
    "no books",
    "authors": "a sorted list of the names of the authors who have at least one book, each "
    "once; authors without books are left out",
}


def _same(key: str, got: object, expected: object) -> bool:
    if key == "average_rating" and expected is not None:
        is_number = isinstance(got, int | float) and not isinstance(got, bool)
        return is_number and abs(got - expected) < 1e-9
    if key == "count":
        return type(got) is int and got == expected
    return got == expected


async def _check_stats(stage: Stage, catalog: catalogs.Catalog) -> dict:
    database = database_of(stage)
    with catalogs.holding(database, catalog), database.slow(SLOW_DATABASE):
        run = await stage.run("book_stats", [STATS_PATH])
    reply = run.reply
    assert_no_unawaited(run.warnings, "book_stats", run.replies)
    if run.stall > 0.75 * SLOW_DATABASE and reply.outcome == "response":
        raise teaching_failure(
            "book_stats",
            f"for {reply.label} the event loop waited {run.stall:.2f} s for the database: a "
            "query ran on the event loop's own thread.",
            "The synchronous ORM ran inside the async view. Django normally refuses that with "
            "SynchronousOnlyOperation; it only works because DJANGO_ALLOW_ASYNC_UNSAFE switched "
            "the check off, and every query then stops the event loop and every other request "
            "(here the database was slow for a moment, and the whole server waited for it).",
            "Remove DJANGO_ALLOW_ASYNC_UNSAFE and use the async ORM (`await ...acount()`, "
            "`.afirst()`, `async for`), or put sync ORM code in a function you await through "
            "`sync_to_async`.",
        )
    if reply.outcome == "exception":
        error = reply.exception or {}
        raise teaching_failure(
            "book_stats",
            f"for {reply.label} with the catalog holding {catalog.description} it raised "
            f"{error.get('type')}: {error.get('message', '')[:300]}.",
            _explain(error),
        )
    assert_status(reply, 200, "book_stats")
    try:
        body = reply.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise teaching_failure(
            "book_stats",
            f"for {reply.label} the body is {reply.text(200)!r}.",
            'The answer is a JSON object {"count": ..., "average_rating": ..., "top_rated": ..., '
            '"authors": [...]}.',
            "Return `JsonResponse({...})`.",
        )
    expected = catalogs.expected_stats(catalog)
    wrong = [key for key in expected if key not in body or not _same(key, body[key], expected[key])]
    if wrong:
        got = "; ".join(
            f"{key!r} is {json.dumps(body[key], ensure_ascii=False)}"
            if key in body
            else f"{key!r} is missing"
            for key in wrong
        )
        wanted = ", ".join(
            f"{key!r}: {json.dumps(expected[key], ensure_ascii=False)}" for key in wrong
        )
        raise teaching_failure(
            "book_stats",
            f"on the catalog ({catalog.description}), {got}; expected {wanted}.",
            " ".join(f"{key!r} is {STATS_HINTS[key]}." for key in wrong),
        )
    return expected


def _explain(error: dict) -> str:
    from autograder.judge.teaching import explain_exception

    return explain_exception(error.get("type", ""), error.get("message", ""))


@check(ASSIGNMENT, "test_book_stats_answers", 2, views=["book_stats"])
async def book_stats_answers(stage: Stage) -> str:
    """book_stats answers the count, rounded average, top-rated title and authors of two catalogs."""  # noqa: E501
    assert_async_view(await stage.kind("book_stats"), "book_stats")
    for make in (catalogs.basic, catalogs.pair):
        stats = await _check_stats(stage, make(stage.draw.child(make.__name__)))
    return f"book_stats answers right on two catalogs, e.g. {json.dumps(stats, ensure_ascii=False)}"


@check(ASSIGNMENT, "test_book_stats_breaks_ties", 1, views=["book_stats"], hidden=True)
async def book_stats_breaks_ties(stage: Stage) -> str:
    """Hidden test: on a tie for the top rating the earliest published book wins, then the title."""  # noqa: E501
    assert_async_view(await stage.kind("book_stats"), "book_stats")
    for make in (catalogs.ties_by_date, catalogs.ties_by_title):
        await _check_stats(stage, make(stage.draw.child(make.__name__)))
    return "book_stats breaks ties on rating by date, then by title"


@check(ASSIGNMENT, "test_book_stats_handles_empty_catalog", 1, views=["book_stats"], hidden=True)
async def book_stats_handles_empty_catalog(stage: Stage) -> str:
    """Hidden test: no books gives 0, null, null and []; authors without books are never listed."""
    assert_async_view(await stage.kind("book_stats"), "book_stats")
    for make in (catalogs.empty, catalogs.authors_only, catalogs.some_without_books):
        await _check_stats(stage, make(stage.draw.child(make.__name__)))
    return "book_stats answers an empty catalog and leaves out authors without books"
