"""ps3 ``create_book``: write a book and its author, or nothing at all.

The new books, their authors and the catalog they are added to are drawn per submission. What a
request left in the database is read by the judge from the kernel's database file, before and
after each request.
"""

from __future__ import annotations

import json

from autograder.judge.assignments.ps3 import catalogs
from autograder.judge.assignments.ps3.common import ASSIGNMENT, database_of
from autograder.judge.client import Reply, Request
from autograder.judge.database import Catalog, KernelDatabase
from autograder.judge.registry import check
from autograder.judge.stage import Stage
from autograder.judge.teaching import (
    assert_async_view,
    assert_json_error,
    assert_no_unawaited,
    assert_status,
    teaching_failure,
)

BOOKS_PATH = "/api/books/"


def new_book(stage: Stage, label: str, author: str | None = None) -> dict:
    draw = stage.draw.child(label)
    return {
        "title": draw.title(),
        "author": author or draw.person(),
        "isbn": draw.isbn(),
        "rating": draw.randint(1, 5),
        "published": draw.date(2000, 2025),
    }


def _post(body: object = None, *, raw: bytes | None = None, method: str = "POST") -> Request:
    data = raw if raw is not None else json.dumps(body).encode()
    return Request(BOOKS_PATH, method, data, "application/json")


def _about(reply: Reply, case: str) -> str:
    return f"{reply.label} with {case}"


def _explain_write_error(reply: Reply, case: str) -> None:
    """Name the usual mistakes behind an exception from a writing view: atomic() in async code,
    an IntegrityError let through (which write clashed), a value Django could not store."""
    error = reply.exception
    if error is None:
        return
    name, text = error.get("type", ""), error.get("message", "")
    files = error.get("files", [])
    if name == "SynchronousOnlyOperation" and any(
        f.replace("\\", "/").endswith("django/db/transaction.py") for f in files
    ):
        raise teaching_failure(
            "create_book",
            f"for {_about(reply, case)} it raised SynchronousOnlyOperation inside "
            "`transaction.atomic()`.",
            "`atomic()` is sync code: it talks to the database connection of the thread it runs "
            "on, so Django refuses it in an async view (and it would not cover the async ORM's "
            "queries, which run on another thread). There is no async atomic().",
            "Put the writes, with `transaction.atomic()`, in a sync function using the plain ORM "
            "and `await sync_to_async(that_function)(...)`.",
        )
    if name == "ValidationError":
        raise teaching_failure(
            "create_book",
            f"for {_about(reply, case)} it raised ValidationError: {text}.",
            "Django could not turn a posted value into what the model field holds, because the "
            "view passed it on unchecked; the client gets a 500 error.",
            'Check every field before writing and answer 400 with {"error": "..."} for bad '
            "input (`date.fromisoformat` raises ValueError for a date that does not exist).",
        )
    if name != "IntegrityError":
        return
    if "author.name" in text:
        raise teaching_failure(
            "create_book",
            f"for {_about(reply, case)} it raised IntegrityError: {text}.",
            "The author exists already, and the view tried to insert it a second time (names "
            "are unique).",
            "Use the existing author: `await Author.objects.aget_or_create(name=...)` (or "
            "`get_or_create` in a sync function).",
        )
    if "isbn" in text:
        raise teaching_failure(
            "create_book",
            f"for {_about(reply, case)} it raised IntegrityError: {text}, so the client gets a "
            "500 error.",
            "A book with this isbn exists already. That is a conflict with what the server "
            "holds, not a server failure.",
            'Catch `IntegrityError` and answer `JsonResponse({"error": ...}, status=409)`.',
        )
    raise teaching_failure(
        "create_book",
        f"for {_about(reply, case)} it raised IntegrityError: {text}.",
        "The database refused a value the view had not checked.",
        'Check every field before writing and answer 400 with {"error": "..."} for bad input.',
    )


def _assert_unchanged(before: Catalog, after: Catalog, case: str, label: str) -> None:
    changes = after.changes_since(before)
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


async def _post_and_compare(stage: Stage, database: KernelDatabase, request: Request):
    before = database.read_catalog()
    run = await stage.run("create_book", [request])
    assert_no_unawaited(run.warnings, "create_book", run.replies)
    after = database.read_catalog()
    return run.reply, before, after


@check(ASSIGNMENT, "test_create_book_creates", 2, views=["create_book"])
async def create_book_creates(stage: Stage) -> str:
    """Valid POSTs get 201 with the id, title and author; new authors are made once, old ones reused."""  # noqa: E501
    assert_async_view(await stage.kind("create_book"), "create_book")
    database = database_of(stage)
    catalog = catalogs.basic(stage.draw.child("catalog"))
    first = new_book(stage, "first")
    books = [
        first,  # a new author
        new_book(stage, "second", author=catalog.authors[0]),  # an author in the catalog already
        new_book(stage, "third", author=first["author"]),  # the author made by the first request
    ]
    with catalogs.holding(database, catalog):
        for book in books:
            case = f"a new book by {book['author']!r}"
            reply, before, after = await _post_and_compare(stage, database, _post(book))
            _explain_write_error(reply, case)
            assert_status(
                reply,
                201,
                "create_book",
                why="A POST that creates something answers 201 Created: "
                "`JsonResponse({...}, status=201)`.",
            )
            try:
                body = reply.json()
            except ValueError:
                body = None
            added = sorted(after.books.keys() - before.books.keys())
            new_authors = [n for i, n in after.authors.items() if i not in before.authors]
            existed = book["author"] in before.authors.values()
            if len(added) != 1:
                raise teaching_failure(
                    "create_book",
                    f"for {_about(reply, case)} it answered 201, but {len(added)} books were "
                    "added.",
                    "Each valid POST saves exactly one book.",
                    "Save the book with `await Book.objects.acreate(...)` (or `create` in a sync "
                    "function run through `sync_to_async`).",
                )
            saved = after.books[added[0]]
            wanted = (book["title"], book["isbn"], book["rating"], book["published"])
            if (saved.title, saved.isbn, saved.rating, saved.published) != wanted or (
                after.authors.get(saved.author_id) != book["author"]
            ):
                raise teaching_failure(
                    "create_book",
                    f"for {_about(reply, case)} the book saved is {after.describe(added[0])}.",
                    f"It should hold exactly what was posted: {book}.",
                )
            if new_authors != ([] if existed else [book["author"]]):
                raise teaching_failure(
                    "create_book",
                    f"for {_about(reply, case)} the authors added were {new_authors}.",
                    "An author who exists already is used as is; a new one is created once.",
                    "`author, created = await Author.objects.aget_or_create(name=...)`.",
                )
            answer = {"id": added[0], "title": book["title"], "author": book["author"]}
            if not isinstance(body, dict) or any(
                key not in body or body[key] != value for key, value in answer.items()
            ):
                raise teaching_failure(
                    "create_book",
                    f"for {_about(reply, case)} the body is {reply.text()!r}.",
                    f"The answer names the new book: {json.dumps(answer, ensure_ascii=False)} "
                    "(the id the database gave it).",
                    'Return `JsonResponse({"id": book.id, "title": book.title, "author": '
                    "author.name}, status=201)`.",
                )
    return f"create_book saved {len(books)} books (one new author, made once) and answered 201"


@check(ASSIGNMENT, "test_create_book_duplicate_isbn", 2, views=["create_book"])
async def create_book_duplicate_isbn(stage: Stage) -> str:
    """A duplicate isbn gets 409 and leaves the database exactly as it was, with no new author."""
    assert_async_view(await stage.kind("create_book"), "create_book")
    database = database_of(stage)
    catalog = catalogs.basic(stage.draw.child("catalog"))
    duplicate = catalog.books[0].isbn
    book = new_book(stage, "duplicate")
    cases = {
        f"the isbn {duplicate} of a book in the catalog and a new author": {
            **book,
            "isbn": duplicate,
        },
        f"the isbn {duplicate} of a book in the catalog and an existing author": {
            **book,
            "isbn": duplicate,
            "author": catalog.authors[1],
        },
    }
    with catalogs.holding(database, catalog):
        for case, body in cases.items():
            reply, before, after = await _post_and_compare(stage, database, _post(body))
            _explain_write_error(reply, case)
            assert_json_error(
                reply,
                409,
                "create_book",
                why="A book with this isbn exists already: that is a conflict, 409, with "
                '{"error": "..."}.',
            )
            _assert_unchanged(before, after, case, reply.label)
    return "create_book answers 409 for a duplicate isbn and changes nothing"


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


def bad_input(book: dict) -> list[tuple[str, object, bytes | None, str]]:
    """(case, body or raw bytes, why it is a 400), around a valid ``book``."""

    def without(field: str) -> dict:
        return {k: v for k, v in book.items() if k != field}

    isbn, title = book["isbn"], book["title"]
    return [
        ("a body that is not JSON", None, f'{{"title": "{title}",'.encode(), WHY_JSON),
        ("an empty body", None, b"", WHY_JSON),
        ("a JSON list instead of an object", [book], None, WHY_JSON),
        (f"the JSON string {title!r}", title, None, WHY_JSON),
        *((f"no {field}", without(field), None, WHY_MISSING) for field in book),
        *(
            (f"an empty {field}", {**book, field: ""}, None, WHY_MISSING)
            for field in ("title", "author", "isbn", "published")
        ),
        ("title 42 (a number)", {**book, "title": 42}, None, WHY_TYPE),
        ("author null", {**book, "author": None}, None, WHY_TYPE),
        (f"author [{book['author']!r}] (a list)", {**book, "author": [book["author"]]}, None,
         WHY_TYPE),
        (f"isbn {isbn} as a number", {**book, "isbn": int(isbn)}, None, WHY_TYPE),
        ('rating "4" (a string)', {**book, "rating": "4"}, None, WHY_TYPE),
        ("rating true (a boolean)", {**book, "rating": True}, None, WHY_TYPE),
        ("rating 4.5", {**book, "rating": 4.5}, None, WHY_TYPE),
        ("rating null", {**book, "rating": None}, None, WHY_TYPE),
        ("published 20230517 (a number)", {**book, "published": 20230517}, None, WHY_TYPE),
        ("rating 0", {**book, "rating": 0}, None, WHY_RATING),
        ("rating 6", {**book, "rating": 6}, None, WHY_RATING),
        ("rating -1", {**book, "rating": -1}, None, WHY_RATING),
        (f"isbn {isbn[:12]} (12 digits)", {**book, "isbn": isbn[:12]}, None, WHY_ISBN),
        (f"isbn {isbn}0 (14 digits)", {**book, "isbn": isbn + "0"}, None, WHY_ISBN),
        (f"isbn {isbn[:3]}-{isbn[3:12]} (a hyphen)", {**book, "isbn": f"{isbn[:3]}-{isbn[3:12]}"},
         None, WHY_ISBN),
        (f"isbn {isbn[:12]}X (a letter)", {**book, "isbn": isbn[:12] + "X"}, None, WHY_ISBN),
        ("published 2023-02-30", {**book, "published": "2023-02-30"}, None, WHY_DATE),
        ("published 2023-13-01", {**book, "published": "2023-13-01"}, None, WHY_DATE),
        ("published 17/05/2023", {**book, "published": "17/05/2023"}, None, WHY_DATE),
        ('published "next tuesday"', {**book, "published": "next tuesday"}, None, WHY_DATE),
    ]  # fmt: skip


@check(ASSIGNMENT, "test_create_book_rejects_bad_input", 1, views=["create_book"], hidden=True)
async def create_book_rejects_bad_input(stage: Stage) -> str:
    """Hidden test: bad JSON, missing or empty fields, wrong types or values: 400, no change."""
    assert_async_view(await stage.kind("create_book"), "create_book")
    database = database_of(stage)
    catalog = catalogs.basic(stage.draw.child("catalog"))
    cases = bad_input(new_book(stage, "bad"))
    with catalogs.holding(database, catalog):
        # All at once (quick), and only when the database changed, one by one to find out which.
        before = database.read_catalog()
        requests = [_post(body, raw=raw) for _case, body, raw, _why in cases]
        run = await stage.run("create_book", requests)
        assert_no_unawaited(run.warnings, "create_book", run.replies)
        after = database.read_catalog()
        for (case, _body, _raw, why), reply in zip(cases, run.replies, strict=True):
            _explain_write_error(reply, case)
            try:
                assert_json_error(reply, 400, "create_book", why=why)
            except AssertionError as failed:
                text = str(failed).replace(f"for {reply.label}", f"for {_about(reply, case)}", 1)
                raise type(failed)(text) from None
        if after != before:
            database.write_catalog(state=before)
            for case, body, raw, _why in cases:
                reply, one_before, one_after = await _post_and_compare(
                    stage, database, _post(body, raw=raw)
                )
                _assert_unchanged(one_before, one_after, case, reply.label)
            _assert_unchanged(before, after, "these bad requests at once", "POST /api/books/")
    return f"create_book answers 400 to {len(cases)} bad requests and changes nothing"


@check(ASSIGNMENT, "test_create_book_only_accepts_post", 1, views=["create_book"], hidden=True)
async def create_book_only_accepts_post(stage: Stage) -> str:
    """Hidden test: GET, PUT and DELETE get 405 and change nothing."""
    assert_async_view(await stage.kind("create_book"), "create_book")
    database = database_of(stage)
    catalog = catalogs.basic(stage.draw.child("catalog"))
    book = new_book(stage, "put")
    requests = {
        "GET": Request(BOOKS_PATH, "GET"),
        "PUT": _post(book, method="PUT"),
        "DELETE": Request(BOOKS_PATH, "DELETE"),
    }
    with catalogs.holding(database, catalog):
        for method, request in requests.items():
            case = "a valid book" if method == "PUT" else "no body"
            reply, before, after = await _post_and_compare(stage, database, request)
            try:
                assert_status(
                    reply,
                    405,
                    "create_book",
                    why="create_book only creates books from POST requests; any other method "
                    "gets 405 Method Not Allowed (check `request.method`, or decorate the view "
                    "with `@require_POST`).",
                )
            except AssertionError as failed:
                text = str(failed).replace(f"for {reply.label}", f"for {_about(reply, case)}", 1)
                raise type(failed)(text) from None
            _assert_unchanged(before, after, case, reply.label)
    return "create_book answers 405 to GET, PUT and DELETE"
