"""Async JSON views for the book catalog.

Every view is a plain ``async def`` that uses the async ORM (``aget``, ``async for``, ...).
Bad input gets a 4xx answer ``{"error": "<short reason>"}`` and leaves the database unchanged.
"""

import json

from asgiref.sync import sync_to_async
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from demo_project.json_errors import json_error, method_not_allowed

from .models import MAX_RATING, MIN_RATING, Author, Book

READ_METHODS = ("GET", "HEAD")
MAX_AUTHOR_NAME_LENGTH = Author._meta.get_field("name").max_length


def book_as_json(book: Book) -> dict:
    """The JSON form of a book; ``book.author`` must already be loaded (select_related)."""
    return {
        "id": book.id,
        "title": book.title,
        "author": book.author.name,
        "isbn": book.isbn,
        "rating": book.rating,
        "published": book.published.isoformat(),
    }


# Books


async def book_list(request: HttpRequest) -> JsonResponse:
    """GET: all books, optionally only those ``?author=<name>`` and with ``?min_rating=<1..5>``."""
    if request.method not in READ_METHODS:
        return method_not_allowed(request, READ_METHODS)

    books = Book.objects.select_related("author")
    if "author" in request.GET:
        books = books.filter(author__name=request.GET["author"])
    if "min_rating" in request.GET:
        raw_min_rating = request.GET["min_rating"]
        # isascii() too, because isdigit() and int() also accept digits of other scripts.
        if not (raw_min_rating.isascii() and raw_min_rating.isdigit()) or not (
            MIN_RATING <= int(raw_min_rating) <= MAX_RATING
        ):
            return json_error(
                f"min_rating must be a whole number from {MIN_RATING} to {MAX_RATING}, "
                f"not {raw_min_rating!r}",
                status=400,
            )
        books = books.filter(rating__gte=int(raw_min_rating))

    return JsonResponse({"books": [book_as_json(book) async for book in books]})


async def book_detail(request: HttpRequest, book_id: int) -> JsonResponse:
    """GET: one book by id."""
    if request.method not in READ_METHODS:
        return method_not_allowed(request, READ_METHODS)

    try:
        book = await Book.objects.select_related("author").aget(pk=book_id)
    except Book.DoesNotExist:
        return json_error(f"no book with id {book_id}", status=404)
    return JsonResponse(book_as_json(book))


# Authors


@csrf_exempt
async def author_list(request: HttpRequest) -> JsonResponse:
    """GET: all authors with how many books each has. POST ``{"name": ...}``: add an author."""
    if request.method == "POST":
        return await create_author(request)
    if request.method not in READ_METHODS:
        return method_not_allowed(request, (*READ_METHODS, "POST"))

    # Meta.ordering does not apply to aggregating queries, so order explicitly.
    authors = Author.objects.annotate(book_count=Count("books")).order_by("name")
    return JsonResponse(
        {
            "authors": [
                {"id": author.id, "name": author.name, "book_count": author.book_count}
                async for author in authors
            ]
        }
    )


async def create_author(request: HttpRequest) -> JsonResponse:
    """The POST half of author_list: validate ``{"name": ...}``, then insert; 201 or 4xx."""
    try:
        payload = json.loads(request.body)
    except RequestDataTooBig:
        return json_error("request body is too large", status=413)
    except (ValueError, RecursionError):
        # ValueError covers malformed JSON and bytes that are not UTF-8.
        return json_error('request body must be JSON like {"name": "..."}', status=400)

    if not isinstance(payload, dict):
        return json_error('request body must be a JSON object like {"name": "..."}', status=400)
    unexpected_fields = sorted(set(payload) - {"name"})
    if unexpected_fields:
        return json_error(f"unexpected fields: {', '.join(unexpected_fields)}", status=400)
    if "name" not in payload:
        return json_error("name is required", status=400)
    name = payload["name"]
    if not isinstance(name, str):
        return json_error("name must be a string", status=400)
    name = name.strip()
    if not name:
        return json_error("name must not be empty", status=400)
    if "\x00" in name:
        # SQLite would store it, but most other databases refuse NUL in text.
        return json_error("name must not contain NUL characters", status=400)
    if len(name) > MAX_AUTHOR_NAME_LENGTH:
        return json_error(f"name must be at most {MAX_AUTHOR_NAME_LENGTH} characters", status=400)

    try:
        author = await sync_to_async(insert_author)(name)
    except IntegrityError:
        return json_error(f"an author named {name!r} already exists", status=409)
    return JsonResponse({"id": author.id, "name": author.name}, status=201)


def insert_author(name: str) -> Author:
    """Insert one author, or raise IntegrityError if the name is taken.

    Sync on purpose: Django has no async atomic(), and the savepoint keeps a duplicate name from
    breaking a transaction that is already open (as in TestCase).
    """
    with transaction.atomic():
        return Author.objects.create(name=name)
