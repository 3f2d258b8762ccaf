"""Checks for ps3_async_orm: ``book_stats`` (read with the async ORM), ``create_book`` (write a
book and its author, or nothing at all) and ``prices`` (call a blocking legacy function
concurrently).

Database: every check replaces the catalog with a fixture of its own, runs the view, and puts
back the rows it found. It reads and writes through default ``sync_to_async``, which runs on the
same thread as the async ORM's queries, so SQLite never sees two writers. While the view runs, any
query made on the event loop's own thread is recorded: the sync ORM only gets there when
``DJANGO_ALLOW_ASYNC_UNSAFE`` switched Django's safety check off.

Prices: the view's global ``legacy_price`` and ``demo_project.catalog.legacy.legacy_price`` are
swapped for a copy that records each call (thread, start, end), and the legacy price table gets
entries that exist only during the check, so prices that do not come from ``legacy_price`` show.
A view may hold a reference taken earlier (``lookup = sync_to_async(legacy_price, ...)`` in a
cell), which no swap reaches: so the verdict also rests on what needs no recording, the event
loop's stalls and the elapsed time against the known 0.2 s per call, with wide margins.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlencode

from asgiref.sync import sync_to_async
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.http import HttpRequest
from django.test import RequestFactory

from autograder import integrity as ref
from autograder.checks import (
    DEFAULT_STALL_LIMIT,
    CheckFailed,
    assert_all_answered,
    assert_async_view,
    assert_json_error,
    assert_loop_never_blocked,
    assert_status,
    teaching_failure,
)
from autograder.integrity import GradingTampered, guarded
from autograder.runner import ViewCall, ViewRun, run_view
from autograder.substitute import substituted
from demo_project.catalog import legacy
from demo_project.catalog.sample import SampleBook

STATS_PATH = "/api/books/stats/"
BOOKS_PATH = "/api/books/"
PRICES_PATH = "/api/prices/"
MAX_ISBNS = 10


# --- the catalog: fixtures, snapshots, restoring ------------------------------------------------


@dataclass(frozen=True)
class Fixture:
    """Catalog contents a check starts from; authors are created in this order (ids follow it)."""

    description: str
    authors: tuple[str, ...]
    books: tuple[SampleBook, ...]


def _book(title: str, author: str, isbn: str, rating: int, published: str) -> SampleBook:
    return SampleBook(title, author, isbn, rating, date.fromisoformat(published))


# Authors are created in an order that is not alphabetical, and the top-rated book is never the
# first one inserted, so answers that rely on insertion order show.
BASIC = Fixture(
    "3 books by 2 authors, ratings 4, 2 and 5",
    ("Mei Okafor", "Ada Lindqvist"),
    (
        _book("Small Hours in Lisbon", "Mei Okafor", "9789935181909", 4, "2017-04-18"),
        _book("Threads in the Attic", "Ada Lindqvist", "9780830166138", 2, "2015-09-02"),
        _book("The Cartographer's Queue", "Mei Okafor", "9786281948217", 5, "2022-01-30"),
    ),
)
PAIR = Fixture(
    "2 books by 2 authors, ratings 4 and 5",
    ("Tomás Ferreira", "Jonah Whitcombe"),
    (
        _book("A Field Guide to Slow Servers", "Tomás Ferreira", "9781860913907", 4, "2021-06-21"),
        _book("Notes from a Blocking Call", "Jonah Whitcombe", "9789378657979", 5, "2012-08-09"),
    ),
)
TIES_BY_DATE = Fixture(
    "three books with the top rating 5, published 2019-05-01, 2011-02-14 and 2016-10-10",
    ("Ines Duarte", "Bo Lindgren"),
    (
        _book("Alpha Centauri Nights", "Ines Duarte", "9791000000011", 5, "2019-05-01"),
        _book("Zephyr and the Lamp", "Bo Lindgren", "9791000000028", 5, "2011-02-14"),
        _book("Before the Rain", "Bo Lindgren", "9791000000035", 4, "2005-07-07"),
        _book("Morning Queue", "Ines Duarte", "9791000000042", 5, "2016-10-10"),
    ),
)
TIES_BY_TITLE = Fixture(
    "two books with the top rating 5 and the earliest date, 2020-03-03: "
    "'Gamma Rays at Dusk' and 'Beta Testing the Sea'",
    ("Ines Duarte", "Bo Lindgren"),
    (
        _book("Gamma Rays at Dusk", "Ines Duarte", "9791000000059", 5, "2020-03-03"),
        _book("Omega Point", "Bo Lindgren", "9791000000066", 5, "2021-01-01"),
        _book("Beta Testing the Sea", "Bo Lindgren", "9791000000073", 5, "2020-03-03"),
        _book("Aardvark Afternoons", "Ines Duarte", "9791000000080", 5, "2022-02-02"),
        _book("Delta Blues Index", "Ines Duarte", "9791000000097", 3, "2019-09-09"),
    ),
)
EMPTY = Fixture("no authors and no books", (), ())
AUTHORS_ONLY = Fixture("2 authors and no books", ("Ines Duarte", "Bo Lindgren"), ())
SOME_WITHOUT_BOOKS = Fixture(
    "4 authors, of whom only Bo Lindgren and Ines Duarte have books; ratings 2, 1 and 2",
    ("Zoe Marchetti", "Bo Lindgren", "Ada Lindqvist", "Ines Duarte"),
    (
        _book("Harbour Lights", "Bo Lindgren", "9791000000103", 2, "2014-04-04"),
        _book("Quiet Engines", "Ines Duarte", "9791000000110", 1, "2013-03-03"),
        _book("Salt and Static", "Bo Lindgren", "9791000000127", 2, "2018-08-08"),
    ),
)


@dataclass(frozen=True)
class BookRow:
    title: str
    author_id: int
    isbn: str
    rating: int
    published: date


@dataclass(frozen=True)
class CatalogState:
    """Every row of the catalog tables, by id."""

    authors: dict[int, str]
    books: dict[int, BookRow]

    def describe(self, book_id: int) -> str:
        book = self.books[book_id]
        author = self.authors.get(book.author_id, f"author id {book.author_id}")
        return (
            f"{book.title!r} by {author!r} (isbn {book.isbn}, rating {book.rating}, "
            f"published {book.published})"
        )


def _read_catalog() -> CatalogState:
    from demo_project.catalog.models import Author, Book

    return CatalogState(
        authors=dict(Author.objects.order_by("id").values_list("id", "name")),
        books={
            row[0]: BookRow(*row[1:])
            for row in Book.objects.order_by("id").values_list(
                "id", "title", "author_id", "isbn", "rating", "published"
            )
        },
    )


def _write_catalog(fixture: Fixture | None = None, state: CatalogState | None = None) -> None:
    """Replace every author and book with a fixture's (new ids) or a saved state's (same ids)."""
    from demo_project.catalog.models import Author, Book

    with transaction.atomic():
        Book.objects.all().delete()
        Author.objects.all().delete()
        if fixture is not None:
            ids = {name: Author.objects.create(name=name).id for name in fixture.authors}
            for book in fixture.books:
                Book.objects.create(
                    title=book.title,
                    author_id=ids[book.author],
                    isbn=book.isbn,
                    rating=book.rating,
                    published=book.published,
                )
        if state is not None:
            Author.objects.bulk_create(Author(id=i, name=n) for i, n in state.authors.items())
            Book.objects.bulk_create(Book(id=i, **vars(row)) for i, row in state.books.items())


@contextlib.asynccontextmanager
async def _catalog(fixture: Fixture):
    """Within the block the catalog holds exactly ``fixture``; then it is as it was before."""
    saved = await sync_to_async(_read_catalog)()
    await sync_to_async(_write_catalog)(fixture=fixture)
    try:
        yield
    finally:
        await sync_to_async(_write_catalog)(state=saved)


def _changes(before: CatalogState, after: CatalogState) -> list[str]:
    """What differs between two states, in words."""
    found = []
    for author_id in after.authors.keys() - before.authors.keys():
        found.append(f"author {after.authors[author_id]!r} was added")
    for author_id in before.authors.keys() - after.authors.keys():
        found.append(f"author {before.authors[author_id]!r} was deleted")
    for author_id in before.authors.keys() & after.authors.keys():
        if before.authors[author_id] != after.authors[author_id]:
            found.append(
                f"author {before.authors[author_id]!r} was renamed {after.authors[author_id]!r}"
            )
    for book_id in sorted(after.books.keys() - before.books.keys()):
        found.append(f"book {after.describe(book_id)} was added")
    for book_id in sorted(before.books.keys() - after.books.keys()):
        found.append(f"book {before.describe(book_id)} was deleted")
    for book_id in sorted(before.books.keys() & after.books.keys()):
        if before.books[book_id] != after.books[book_id]:
            found.append(f"book {before.describe(book_id)} was changed")
    return found


@contextlib.contextmanager
def _queries_on_the_loop_thread() -> Iterator[list[str]]:
    """Record the SQL run on this (the event loop's) thread's connection within the block."""
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connections[DEFAULT_DB_ALIAS].execute_wrapper(record):
        yield seen


async def _run_db_view(view: Callable, view_name: str, requests: list) -> ViewRun:
    """Run the requests; fail when the view queried the database on the event loop's thread."""
    with _queries_on_the_loop_thread() as seen:
        run = await run_view(view, requests)
    if seen:
        raise teaching_failure(
            view_name,
            f"for {run.calls[0].label} it ran {len(seen)} database queries on the event loop's "
            f"own thread (the first: {seen[0][:120]!r}).",
            "The synchronous ORM ran inside the async view. Django normally refuses that with "
            "SynchronousOnlyOperation; it only works because DJANGO_ALLOW_ASYNC_UNSAFE switched "
            "the check off, and every query then stops the event loop and every other request.",
            "Remove DJANGO_ALLOW_ASYNC_UNSAFE and use the async ORM (`await ...acount()`, "
            "`.afirst()`, `async for`), or put sync ORM code in a function you await through "
            "`sync_to_async`.",
        )
    return run


@contextlib.contextmanager
def _about(case: str, call: ViewCall) -> Iterator[None]:
    """Name the request's case in a failure message ("for POST /api/books/ with ...")."""
    try:
        yield
    except CheckFailed as failed:
        text = str(failed).replace(f"for {call.label}", f"for {call.label} with {case}", 1)
        raise CheckFailed(text) from None


# --- book_stats ----------------------------------------------------------------------------------

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


def expected_stats(fixture: Fixture) -> dict:
    """What book_stats must answer for ``fixture`` (computed here in Python, not in SQL)."""
    books = fixture.books
    if not books:
        return {"count": 0, "average_rating": None, "top_rated": None, "authors": []}
    top = min(books, key=lambda b: (-b.rating, b.published, b.title))
    return {
        "count": len(books),
        "average_rating": round(sum(b.rating for b in books) / len(books), 2),
        "top_rated": top.title,
        "authors": sorted({b.author for b in books}),
    }


def _same(key: str, got: object, expected: object) -> bool:
    if key == "average_rating" and expected is not None:
        is_number = isinstance(got, int | float) and not isinstance(got, bool)
        return is_number and abs(got - expected) < 1e-9
    if key == "count":
        return type(got) is int and got == expected
    return got == expected


async def _check_stats(view: Callable, fixture: Fixture) -> dict:
    async with _catalog(fixture):
        run = await _run_db_view(view, "book_stats", [STATS_PATH])
    call = run.call
    with _about(f"the catalog holding {fixture.description}", call):
        assert_all_answered(run)
    try:
        body = call.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise teaching_failure(
            "book_stats",
            f"for {call.label} the body is {call.response.content[:200]!r}.",
            'The answer is a JSON object {"count": ..., "average_rating": ..., "top_rated": ..., '
            '"authors": [...]}.',
            "Return `JsonResponse({...})`.",
        )
    expected = expected_stats(fixture)
    wrong = [key for key in expected if key not in body or not _same(key, body[key], expected[key])]
    if wrong:
        raise teaching_failure(
            "book_stats",
            f"on the catalog ({fixture.description}), "
            + "; ".join(
                f"{key!r} is {json.dumps(body[key], ensure_ascii=False)}"
                if key in body
                else f"{key!r} is missing"
                for key in wrong
            )
            + "; expected "
            + ", ".join(
                f"{key!r}: {json.dumps(expected[key], ensure_ascii=False)}" for key in wrong
            )
            + ".",
            " ".join(f"{key!r} is {STATS_HINTS[key]}." for key in wrong),
        )
    assert_loop_never_blocked(run)
    return expected


@guarded
async def check_book_stats_answers(book_stats) -> None:
    """book_stats answers count, rounded average, top-rated title and authors on two catalogs."""
    assert_async_view(book_stats, "book_stats")
    for fixture in (BASIC, PAIR):
        stats = await _check_stats(book_stats, fixture)
    print(f"✔ book_stats answers right on two catalogs, e.g. {stats}")


@guarded
async def check_book_stats_breaks_ties(book_stats) -> None:
    """On a tie for the top rating, the earliest published book wins, then the first title."""
    assert_async_view(book_stats, "book_stats")
    for fixture in (TIES_BY_DATE, TIES_BY_TITLE):
        await _check_stats(book_stats, fixture)
    print("✔ book_stats breaks ties on rating by date, then by title")


@guarded
async def check_book_stats_handles_empty_catalog(book_stats) -> None:
    """No books: count 0, nulls and no authors; authors without books are never listed."""
    assert_async_view(book_stats, "book_stats")
    for fixture in (EMPTY, AUTHORS_ONLY, SOME_WITHOUT_BOOKS):
        await _check_stats(book_stats, fixture)
    print("✔ book_stats answers an empty catalog and leaves out authors without books")


# --- create_book ---------------------------------------------------------------------------------

NEW_BOOK = {
    "title": "The Quiet Migration",
    "author": "Rosa Quintero",
    "isbn": "9787574911864",
    "rating": 4,
    "published": "2023-05-17",
}


def _post(body: object = None, *, raw: bytes | None = None, method: str = "post") -> HttpRequest:
    data = raw if raw is not None else json.dumps(body)
    return getattr(RequestFactory(), method)(BOOKS_PATH, data=data, content_type="application/json")


def _explain_write_error(call: ViewCall) -> None:
    """Name the usual mistakes behind an exception from a writing view: atomic() in async code,
    an IntegrityError let through (which write clashed)."""
    if type(call.exception).__name__ == "SynchronousOnlyOperation" and any(
        frame.filename.endswith(str(Path("django", "db", "transaction.py")))
        for frame in call.where or ()
    ):
        raise teaching_failure(
            "create_book",
            f"for {call.label} it raised SynchronousOnlyOperation inside `transaction.atomic()`.",
            "`atomic()` is sync code: it talks to the database connection of the thread it runs "
            "on, so Django refuses it in an async view (and it would not cover the async ORM's "
            "queries, which run on another thread). There is no async atomic().",
            "Put the writes, with `transaction.atomic()`, in a sync function using the plain ORM "
            "and `await sync_to_async(that_function)(...)`.",
        )
    if isinstance(call.exception, ValidationError):
        raise teaching_failure(
            "create_book",
            f"for {call.label} it raised ValidationError: {call.exception.messages}.",
            "Django could not turn a posted value into what the model field holds, because the "
            "view passed it on unchecked; the client gets a 500 error.",
            'Check every field before writing and answer 400 with {"error": "..."} for bad '
            "input (`date.fromisoformat` raises ValueError for a date that does not exist).",
        )
    if not isinstance(call.exception, IntegrityError):
        return
    text = str(call.exception)
    if "author.name" in text:
        raise teaching_failure(
            "create_book",
            f"for {call.label} it raised IntegrityError: {text}.",
            "The author exists already, and the view tried to insert it a second time (names "
            "are unique).",
            "Use the existing author: `await Author.objects.aget_or_create(name=...)` (or "
            "`get_or_create` in a sync function).",
        )
    if "isbn" in text:
        raise teaching_failure(
            "create_book",
            f"for {call.label} it raised IntegrityError: {text}, so the client gets a 500 error.",
            "A book with this isbn exists already. That is a conflict with what the server "
            "holds, not a server failure.",
            'Catch `IntegrityError` and answer `JsonResponse({"error": ...}, status=409)`.',
        )
    raise teaching_failure(
        "create_book",
        f"for {call.label} it raised IntegrityError: {text}.",
        "The database refused a value the view had not checked.",
        'Check every field before writing and answer 400 with {"error": "..."} for bad input.',
    )


def _assert_unchanged(before: CatalogState, after: CatalogState, case: str, label: str) -> None:
    changes = _changes(before, after)
    if changes:
        raise teaching_failure(
            "create_book",
            f"after {label} with {case}, the database is not as before: {'; '.join(changes)}.",
            "A request that fails must change nothing, but the view wrote part of the book "
            "(its author, say) before it knew that the whole book could be saved, and left it "
            "there.",
            "Check every field first and write only when everything is valid. Do the writes in "
            "one `transaction.atomic()` block in a sync function that you await through "
            "`sync_to_async` (an error inside rolls everything back), or, in async code, delete "
            "the author you created when inserting the book fails.",
        )


async def _post_and_compare(view: Callable, request: HttpRequest):
    before = await sync_to_async(_read_catalog)()
    run = await _run_db_view(view, "create_book", [request])
    after = await sync_to_async(_read_catalog)()
    return run, before, after


@guarded
async def check_create_book_creates(create_book) -> None:
    """Valid POSTs get 201 with id, title and author; the book is saved, authors made once."""
    assert_async_view(create_book, "create_book")
    books = [
        NEW_BOOK,  # a new author
        {
            "title": "Paper Lanterns",
            "author": "Mei Okafor",  # an author who is in the catalog already
            "isbn": "9782527601892",
            "rating": 3,
            "published": "2020-02-29",
        },
        {
            "title": "Letters to the Upstream",
            "author": "Rosa Quintero",  # the author made by the first request
            "isbn": "9785559797113",
            "rating": 5,
            "published": "2024-11-03",
        },
    ]
    async with _catalog(BASIC):
        for book in books:
            case = f"a new book by {book['author']!r}"
            run, before, after = await _post_and_compare(create_book, _post(book))
            call = run.call
            with _about(case, call):
                _explain_write_error(call)
                assert_status(
                    call,
                    201,
                    "create_book",
                    why="A POST that creates something answers 201 Created: "
                    "`JsonResponse({...}, status=201)`.",
                )
            try:
                body = call.json()
            except ValueError:
                body = None
            added = [i for i in after.books.keys() - before.books.keys()]
            new_authors = [n for i, n in after.authors.items() if i not in before.authors]
            existed = book["author"] in before.authors.values()
            if len(added) != 1:
                raise teaching_failure(
                    "create_book",
                    f"for {call.label} with {case} it answered 201, but "
                    f"{len(added)} books were added.",
                    "Each valid POST saves exactly one book.",
                    "Save the book with `await Book.objects.acreate(...)` (or `create` in a sync "
                    "function run through `sync_to_async`).",
                )
            saved = after.books[added[0]]
            wanted = BookRow(
                book["title"],
                saved.author_id,
                book["isbn"],
                book["rating"],
                date.fromisoformat(book["published"]),
            )
            if saved != wanted or after.authors.get(saved.author_id) != book["author"]:
                raise teaching_failure(
                    "create_book",
                    f"for {call.label} with {case} the book saved is {after.describe(added[0])}.",
                    f"It should hold exactly what was posted: {book}.",
                )
            if new_authors != ([] if existed else [book["author"]]):
                raise teaching_failure(
                    "create_book",
                    f"for {call.label} with {case} the authors added were {new_authors}.",
                    "An author who exists already is used as is; a new one is created once.",
                    "`author, created = await Author.objects.aget_or_create(name=...)`.",
                )
            reply = {"id": added[0], "title": book["title"], "author": book["author"]}
            if not isinstance(body, dict) or any(
                key not in body or body[key] != value for key, value in reply.items()
            ):
                raise teaching_failure(
                    "create_book",
                    f"for {call.label} with {case} the body is {call.response.content!r}.",
                    f"The answer names the new book: {json.dumps(reply, ensure_ascii=False)} "
                    "(the id the database gave it).",
                    'Return `JsonResponse({"id": book.id, "title": book.title, "author": '
                    "author.name}, status=201)`.",
                )
    print(f"✔ create_book saved {len(books)} books (one new author, made once) and answered 201")


@guarded
async def check_create_book_duplicate_isbn(create_book) -> None:
    """A duplicate isbn gets 409 and leaves the database exactly as it was (no new author)."""
    assert_async_view(create_book, "create_book")
    duplicate = BASIC.books[0].isbn
    cases = {
        f"the isbn {duplicate} of a book in the catalog and a new author": {
            **NEW_BOOK,
            "isbn": duplicate,
        },
        f"the isbn {duplicate} of a book in the catalog and an existing author": {
            **NEW_BOOK,
            "isbn": duplicate,
            "author": "Ada Lindqvist",
        },
    }
    async with _catalog(BASIC):
        for case, book in cases.items():
            run, before, after = await _post_and_compare(create_book, _post(book))
            call = run.call
            with _about(case, call):
                _explain_write_error(call)
                assert_json_error(
                    call,
                    409,
                    "create_book",
                    why="A book with this isbn exists already: that is a conflict, 409, with "
                    '{"error": "..."}.',
                )
            _assert_unchanged(before, after, case, call.label)
    print("✔ create_book answers 409 for a duplicate isbn and changes nothing")


# (case, body or raw bytes, why it is a 400)
WHY_JSON = (
    "The body must be a JSON object with the five fields; anything else is the client's "
    'mistake: 400 with {"error": "..."} (json.loads raises ValueError on text that is not '
    "JSON; check `isinstance(data, dict)`)."
)
WHY_MISSING = "Every field is required and none may be empty: 400."
WHY_TYPE = (
    'title, author, isbn and published are strings and rating is a JSON integer (not "4", '
    "not true, not 4.5); a wrong type is a 400. Careful: in Python `isinstance(True, int)` is "
    "True, so check `type(rating) is int`."
)
WHY_RATING = (
    "rating must be from 1 to 5: 400. (The database's CHECK constraint would turn it into an "
    "IntegrityError, which says nothing useful to the client.)"
)
WHY_ISBN = "An isbn is exactly 13 digits 0-9: 400."
WHY_DATE = (
    "published must be a real date written YYYY-MM-DD: 400 (`date.fromisoformat` raises "
    "ValueError for 2023-02-30)."
)


def _without(field: str) -> dict:
    return {k: v for k, v in NEW_BOOK.items() if k != field}


BAD_INPUT: list[tuple[str, object, bytes | None, str]] = [
    ("a body that is not JSON", None, b'{"title": "The Quiet Migration",', WHY_JSON),
    ("an empty body", None, b"", WHY_JSON),
    ("a JSON list instead of an object", [NEW_BOOK], None, WHY_JSON),
    ('the JSON string "The Quiet Migration"', "The Quiet Migration", None, WHY_JSON),
    *((f"no {field}", _without(field), None, WHY_MISSING) for field in NEW_BOOK),
    *(
        (f"an empty {field}", {**NEW_BOOK, field: ""}, None, WHY_MISSING)
        for field in ("title", "author", "isbn", "published")
    ),
    ("title 42 (a number)", {**NEW_BOOK, "title": 42}, None, WHY_TYPE),
    ("author null", {**NEW_BOOK, "author": None}, None, WHY_TYPE),
    ('author ["Rosa Quintero"] (a list)', {**NEW_BOOK, "author": ["Rosa Quintero"]}, None,
     WHY_TYPE),
    ("isbn 9787574911864 as a number", {**NEW_BOOK, "isbn": 9787574911864}, None, WHY_TYPE),
    ('rating "4" (a string)', {**NEW_BOOK, "rating": "4"}, None, WHY_TYPE),
    ("rating true (a boolean)", {**NEW_BOOK, "rating": True}, None, WHY_TYPE),
    ("rating 4.5", {**NEW_BOOK, "rating": 4.5}, None, WHY_TYPE),
    ("rating null", {**NEW_BOOK, "rating": None}, None, WHY_TYPE),
    ("published 20230517 (a number)", {**NEW_BOOK, "published": 20230517}, None, WHY_TYPE),
    ("rating 0", {**NEW_BOOK, "rating": 0}, None, WHY_RATING),
    ("rating 6", {**NEW_BOOK, "rating": 6}, None, WHY_RATING),
    ("rating -1", {**NEW_BOOK, "rating": -1}, None, WHY_RATING),
    ("isbn 978757491186 (12 digits)", {**NEW_BOOK, "isbn": "978757491186"}, None, WHY_ISBN),
    ("isbn 97875749118640 (14 digits)", {**NEW_BOOK, "isbn": "97875749118640"}, None, WHY_ISBN),
    ("isbn 978-757491186 (a hyphen)", {**NEW_BOOK, "isbn": "978-757491186"}, None, WHY_ISBN),
    ("isbn 978757491186X (a letter)", {**NEW_BOOK, "isbn": "978757491186X"}, None, WHY_ISBN),
    ("published 2023-02-30", {**NEW_BOOK, "published": "2023-02-30"}, None, WHY_DATE),
    ("published 2023-13-01", {**NEW_BOOK, "published": "2023-13-01"}, None, WHY_DATE),
    ("published 17/05/2023", {**NEW_BOOK, "published": "17/05/2023"}, None, WHY_DATE),
    ('published "next tuesday"', {**NEW_BOOK, "published": "next tuesday"}, None, WHY_DATE),
]  # fmt: skip


@guarded
async def check_create_book_rejects_bad_input(create_book) -> None:
    """Bad JSON, missing or empty fields, wrong types, bad rating, isbn or date: 400, no trace."""
    assert_async_view(create_book, "create_book")
    async with _catalog(BASIC):
        # All at once (quick), and only when the database changed, one by one to find out which.
        before = await sync_to_async(_read_catalog)()
        requests = [_post(body, raw=raw) for _case, body, raw, _why in BAD_INPUT]
        run = await _run_db_view(create_book, "create_book", requests)
        after = await sync_to_async(_read_catalog)()
        for (case, _body, _raw, why), call in zip(BAD_INPUT, run.calls, strict=True):
            with _about(case, call):
                _explain_write_error(call)
                assert_json_error(call, 400, "create_book", why=why)
        if after != before:
            await sync_to_async(_write_catalog)(state=before)
            for case, body, raw, _why in BAD_INPUT:
                run, one_before, one_after = await _post_and_compare(
                    create_book, _post(body, raw=raw)
                )
                _assert_unchanged(one_before, one_after, case, run.call.label)
            _assert_unchanged(before, after, "these bad requests at once", "POST /api/books/")
    print(f"✔ create_book answers 400 to {len(BAD_INPUT)} bad requests and changes nothing")


@guarded
async def check_create_book_only_accepts_post(create_book) -> None:
    """GET, PUT and DELETE get 405 Method Not Allowed and change nothing."""
    assert_async_view(create_book, "create_book")
    requests = {
        "GET": RequestFactory().get(BOOKS_PATH),
        "PUT": _post(NEW_BOOK, method="put"),
        "DELETE": RequestFactory().delete(BOOKS_PATH),
    }
    async with _catalog(BASIC):
        for method, request in requests.items():
            case = "a valid book" if method == "PUT" else "no body"
            run, before, after = await _post_and_compare(create_book, request)
            with _about(case, run.call):
                assert_status(
                    run.call,
                    405,
                    "create_book",
                    why="create_book only creates books from POST requests; any other method "
                    "gets 405 Method Not Allowed (check `request.method`, or decorate the view "
                    "with `@require_POST`).",
                )
            _assert_unchanged(before, after, case, run.call.label)
    print("✔ create_book answers 405 to GET, PUT and DELETE")


# --- prices --------------------------------------------------------------------------------------

# Prices that exist only while a check runs: an answer that does not ask legacy_price misses them.
CHECK_ONLY_PRICES = {"9783161484100": Decimal("33.33"), "9780306406157": Decimal("8.80")}
UNKNOWN_ISBNS = ("9780000000000", "9781111111111")
SAMPLE_ISBNS = tuple(isbn for isbn in legacy.LEGACY_PRICES)[:8]


def _pristine_legacy() -> dict:
    """The legacy module as its file defines it (read again each time: nothing to patch here)."""
    path = Path(legacy.__file__)
    namespace: dict = {"__name__": "pristine_legacy"}
    code = compile(path.read_text(), str(path), "exec", dont_inherit=True)  # not our __future__
    exec(code, namespace)  # noqa: S102 (demo_project's own file)
    return namespace


def _is_genuine_legacy_price(function: object, pristine: dict) -> bool:
    """``legacy_price`` as the file defines it, reading the legacy module's globals.

    A reload of the module makes a new function object; ones taken before it still count.
    """
    return getattr(function, "__code__", None) == pristine["legacy_price"].__code__ and getattr(
        function, "__globals__", None
    ) is vars(legacy)


def _legacy_tampering() -> list[str]:
    pristine = _pristine_legacy()
    module = vars(legacy)
    found = []
    if module.get("LEGACY_DELAY_SECONDS") != pristine["LEGACY_DELAY_SECONDS"]:
        found.append(
            f"`legacy.LEGACY_DELAY_SECONDS` is {module.get('LEGACY_DELAY_SECONDS')!r}, not "
            f"{pristine['LEGACY_DELAY_SECONDS']}"
        )
    if not _is_genuine_legacy_price(module.get("legacy_price"), pristine):
        found.append("`legacy.legacy_price` was replaced")
    if module.get("time") is not time:
        found.append("`legacy.time` was replaced")
    if dict(module.get("LEGACY_PRICES", {})) != dict(pristine["LEGACY_PRICES"]):
        found.append("`legacy.LEGACY_PRICES` was changed")
    return found


def _verify_legacy_intact() -> None:
    """Fail, and put the legacy module back, when the notebook changed what it measures with."""
    found = _legacy_tampering()
    if found:
        importlib.reload(legacy)  # functions taken from it before see the restored globals too
        raise GradingTampered(
            "The grader cannot trust this run: "
            + "; ".join(found)
            + ".\nThe tests time your view against the real legacy_price, which takes "
            f"{legacy.LEGACY_DELAY_SECONDS} s per call. Remove the code that changes "
            "demo_project.catalog.legacy, then restart the kernel and run all cells."
        )


@dataclass
class LegacyCall:
    isbn: object
    thread: int
    started: float
    ended: float | None = None


class LegacyRecorder:
    """A stand-in for ``legacy_price`` that calls the real one and records every call."""

    def __init__(self, real: Callable) -> None:
        self.calls: list[LegacyCall] = []
        self.in_flight = 0
        self.peak_in_flight = 0
        self._lock = threading.Lock()

        @functools.wraps(real)
        def legacy_price(isbn):
            call = LegacyCall(isbn, threading.get_ident(), ref.perf_counter())
            with self._lock:
                self.calls.append(call)
                self.in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            try:
                return real(isbn)
            finally:
                call.ended = ref.perf_counter()
                with self._lock:
                    self.in_flight -= 1

        self.legacy_price = legacy_price

    def timeline(self) -> str:
        start = min(c.started for c in self.calls)
        return ", ".join(
            f"{c.started - start:.2f}-{(c.ended or c.started) - start:.2f} s"
            for c in sorted(self.calls, key=lambda c: c.started)
        )


@contextlib.contextmanager
def _attribute(owner: object, name: str, value: object) -> Iterator[None]:
    previous = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, previous)


def _prices_path(isbns) -> str:
    return f"{PRICES_PATH}?{urlencode([('isbn', isbn) for isbn in isbns])}"


def _expected_prices(isbns) -> dict:
    table = {**legacy.LEGACY_PRICES, **CHECK_ONLY_PRICES}
    return {"prices": {i: str(table[i]) if i in table else None for i in isbns}}


async def _run_prices(view: Callable, paths: list[str]) -> tuple[ViewRun, LegacyRecorder]:
    """Run the requests at once with legacy_price recorded and the check-only prices in place."""
    _verify_legacy_intact()
    real = legacy.legacy_price
    recorder = LegacyRecorder(real)
    namespace = getattr(inspect.unwrap(view), "__globals__", {})
    # Swap the notebook's name only where it is the real function (not, say, an async wrapper).
    own_name = _is_genuine_legacy_price(namespace.get("legacy_price"), _pristine_legacy())
    with contextlib.ExitStack() as stack:
        if own_name:
            stack.enter_context(substituted(view, "legacy_price", recorder.legacy_price))
        stack.enter_context(_attribute(legacy, "legacy_price", recorder.legacy_price))
        prices = MappingProxyType({**legacy.LEGACY_PRICES, **CHECK_ONLY_PRICES})
        stack.enter_context(_attribute(legacy, "LEGACY_PRICES", prices))
        run = await run_view(view, paths)
    _verify_legacy_intact()
    return run, recorder


def _explain_key_error(call: ViewCall) -> None:
    error = call.exception
    if isinstance(error, BaseExceptionGroup):
        error = error.subgroup(KeyError)
    if isinstance(error, KeyError | BaseExceptionGroup):
        raise teaching_failure(
            "prices",
            f"for {call.label} it raised {type(call.exception).__name__}: {call.exception}.",
            "legacy_price raises KeyError for an isbn it has no price for, and the view let it "
            "escape (through `asyncio.gather`, it ends the whole request), so the client gets a "
            "500 error instead of the other prices.",
            "Catch KeyError around each lookup and use None for that isbn (null in the JSON).",
        )


def _assert_prices(call: ViewCall, isbns: list[str]) -> None:
    _explain_key_error(call)
    assert_status(call, 200, "prices")
    expected = _expected_prices(isbns)
    try:
        body = call.json()
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
        f"for {call.label} the prices are wrong: {wrong}."
        if wrong
        else f"for {call.label} it returned {call.response.content[:300]!r}; expected "
        f"{json.dumps(expected)}.",
        'The answer is {"prices": {isbn: price}}: each price as the string of the Decimal that '
        '`legacy_price(isbn)` returns (`str(price)`, e.g. "12.50"), and null for an isbn it '
        "does not know (it raises KeyError). The check gives legacy_price prices that no copy "
        f"of its table has ({', '.join(CHECK_ONLY_PRICES)}), so every price must come from "
        "calling it.",
    )


def _assert_looked_up(call: ViewCall) -> None:
    """A request with prices took at least about one legacy_price call."""
    if call.ended - call.started < 0.8 * legacy.LEGACY_DELAY_SECONDS:
        raise teaching_failure(
            "prices",
            f"for {call.label} it answered after {call.ended - call.started:.3f} s, but one "
            f"call of legacy_price takes {legacy.LEGACY_DELAY_SECONDS} s.",
            "The prices did not come from legacy_price (a copy of its table, say).",
            "Ask `legacy_price(isbn)` for every price, in a thread.",
        )


def _judge_overlap(run: ViewRun, recorder: LegacyRecorder, isbns: list[str], limit: float,
                   loop_thread: int, shared_thread: int) -> None:  # fmt: skip
    """The lookups ran at the same time, in threads, and the event loop never stood still."""
    delay = legacy.LEGACY_DELAY_SECONDS
    one_by_one = len(isbns) * delay
    on_loop = [c for c in recorder.calls if c.thread == loop_thread]
    if on_loop:
        raise teaching_failure(
            "prices",
            f"{len(on_loop)} of the legacy_price calls ran on the event loop's own thread, "
            f"{delay} s each; the longest event-loop stall was {run.loop_stall_seconds:.2f} s.",
            "legacy_price blocks the thread that calls it. Called straight from an async view, "
            "it stops the event loop, so nothing else runs, not even the other lookups.",
            "Run it in a thread: `await sync_to_async(legacy_price, thread_sensitive=False)(isbn)` "
            "or `await asyncio.to_thread(legacy_price, isbn)`, all started together with "
            "`asyncio.gather`.",
        )
    assert_loop_never_blocked(run, DEFAULT_STALL_LIMIT)
    if len(recorder.calls) >= 2 and recorder.peak_in_flight < 2:
        if all(c.thread == shared_thread for c in recorder.calls):
            raise teaching_failure(
                "prices",
                f"the {len(recorder.calls)} legacy_price calls ran one at a time "
                f"({recorder.timeline()}), all on one thread: the single shared thread that "
                "`sync_to_async` uses by default (thread_sensitive=True).",
                "With thread_sensitive=True every call waits for that one thread, so that code "
                "which must stay on one thread (the ORM and its database connection) does. "
                "Gathering such calls still runs them one after another.",
                "legacy_price is thread-safe: `sync_to_async(legacy_price, "
                "thread_sensitive=False)` or `asyncio.to_thread(legacy_price, isbn)` run each "
                "call on a thread of its own from a pool.",
            )
        raise teaching_failure(
            "prices",
            f"the {len(recorder.calls)} legacy_price calls ran one after another "
            f"({recorder.timeline()}).",
            "Each lookup was awaited before the next one started, so the waits add up.",
            "Start all the lookups first and await them together: "
            "`await asyncio.gather(*(lookup(isbn) for isbn in isbns))` or a TaskGroup.",
        )
    if run.elapsed >= limit:
        seen = (
            f", with at most {recorder.peak_in_flight} legacy_price calls at once"
            if recorder.calls
            else ""
        )
        raise teaching_failure(
            "prices",
            f"{len(isbns)} lookups took {run.elapsed:.2f} s{seen}; overlapping lookups take well "
            f"under {limit:.2f} s (one at a time: {one_by_one:.2f} s).",
            "The lookups ran one after another. Two usual causes: `sync_to_async(legacy_price)` "
            "with its default thread_sensitive=True runs every call on one shared thread, one at "
            "a time, even under `asyncio.gather`; or each lookup was awaited before the next "
            "one started.",
            "`sync_to_async(legacy_price, thread_sensitive=False)` or "
            "`asyncio.to_thread(legacy_price, isbn)`, all started together with `asyncio.gather`.",
        )


async def _check_concurrent_prices(view: Callable, isbns: list[str], limit: float) -> str:
    loop_thread = threading.get_ident()
    shared_thread = await sync_to_async(threading.get_ident)()
    run, recorder = await _run_prices(view, [_prices_path(isbns)])
    _assert_all_answered_or_key_error(run)
    _assert_prices(run.call, isbns)
    _assert_looked_up(run.call)
    _judge_overlap(run, recorder, isbns, limit, loop_thread, shared_thread)
    seen = (
        f"up to {recorder.peak_in_flight} legacy_price calls at once"
        if recorder.calls
        else "legacy_price not seen directly, judged by time and the event loop"
    )
    one_by_one = len(isbns) * legacy.LEGACY_DELAY_SECONDS
    return (
        f"prices: {len(isbns)} lookups in {run.elapsed:.2f} s (one by one: {one_by_one:.1f} s), "
        f"{seen}, longest event-loop stall {run.loop_stall_seconds * 1000:.0f} ms"
    )


def _assert_all_answered_or_key_error(run: ViewRun) -> None:
    for call in run.calls:
        _explain_key_error(call)
    assert_all_answered(run)


@guarded
async def check_prices_answers(prices) -> None:
    """prices answers each isbn's price from legacy_price, and null for an unknown isbn."""
    assert_async_view(prices, "prices")
    known, check_only = SAMPLE_ISBNS, list(CHECK_ONLY_PRICES)
    cases = [[known[0]], [known[1], UNKNOWN_ISBNS[0], check_only[0]], [known[2], known[2]]]
    run, _ = await _run_prices(prices, [_prices_path(isbns) for isbns in cases])
    _assert_all_answered_or_key_error(run)
    for call, isbns in zip(run.calls, cases, strict=True):
        _assert_prices(call, list(dict.fromkeys(isbns)))
    for call in run.calls:
        _assert_looked_up(call)
    print(f"✔ prices answers {len(cases)} requests with the legacy prices and null when unknown")


@guarded
async def check_prices_overlaps_lookups(prices) -> None:
    """Five lookups run at the same time in threads; the event loop never stalls."""
    assert_async_view(prices, "prices")
    isbns = [*SAMPLE_ISBNS[:4], next(iter(CHECK_ONLY_PRICES))]
    evidence = await _check_concurrent_prices(prices, isbns, limit=0.6)
    print(f"✔ {evidence}")


@guarded
async def check_prices_rejects_bad_counts(prices) -> None:
    """No isbn, or more than ten, gets 400 and an error at once, before any lookup."""
    assert_async_view(prices, "prices")
    eleven = [*SAMPLE_ISBNS, *CHECK_ONLY_PRICES, UNKNOWN_ISBNS[0]]
    paths = [PRICES_PATH, f"{PRICES_PATH}?isbns={SAMPLE_ISBNS[0]}", _prices_path(eleven)]
    run, recorder = await _run_prices(prices, paths)
    for call in run.calls:
        assert_json_error(
            call,
            400,
            "prices",
            why=f"prices needs 1 to {MAX_ISBNS} `isbn` parameters "
            "(`request.GET.getlist('isbn')`); anything else is a client error: 400 with "
            '{"error": "..."}.',
        )
        took = call.ended - call.started
        if took > 0.75 * legacy.LEGACY_DELAY_SECONDS:
            raise teaching_failure(
                "prices",
                f"for {call.label} the 400 came after {took:.2f} s.",
                "The view looked prices up before it checked how many isbns there are.",
                "Check the count first and answer 400 at once.",
            )
    if recorder.calls:
        raise teaching_failure(
            "prices",
            f"it called legacy_price {len(recorder.calls)} times for requests it answered 400.",
            "The view looked prices up before it checked how many isbns there are.",
            "Check the count first and answer 400 at once.",
        )
    assert_loop_never_blocked(run)
    print(f"✔ prices answers 400 at once for no isbn and for {len(eleven)} isbns")


@guarded
async def check_prices_handles_ten(prices) -> None:
    """Ten isbns (two unknown) are looked up concurrently, well under ten times 0.2 s."""
    assert_async_view(prices, "prices")
    isbns = [*SAMPLE_ISBNS[:7], next(iter(CHECK_ONLY_PRICES)), *UNKNOWN_ISBNS]
    evidence = await _check_concurrent_prices(prices, isbns, limit=1.0)
    print(f"✔ {evidence}")


# Snapshot these checks, so that a notebook that patches them fails instead of passing.
ref.register_module(__name__)
