# right: validates everything, then one transaction.atomic() in a sync function via sync_to_async
import json
from datetime import date

from asgiref.sync import sync_to_async
from django.db import IntegrityError, transaction
from django.http import JsonResponse

from demo_project.catalog.models import Author, Book


async def create_book(request):
    if request.method != "POST":
        return JsonResponse({"error": "use POST"}, status=405)
    try:
        data = json.loads(request.body)
    except ValueError:
        return JsonResponse({"error": "the body must be JSON"}, status=400)
    if not isinstance(data, dict):
        return JsonResponse({"error": "the body must be a JSON object"}, status=400)
    for field in ("title", "author", "isbn", "rating", "published"):
        if data.get(field) in (None, ""):
            return JsonResponse({"error": f"{field} is required"}, status=400)
    for field in ("title", "author", "isbn", "published"):
        if not isinstance(data[field], str):
            return JsonResponse({"error": f"{field} must be a string"}, status=400)
    rating = data["rating"]
    if type(rating) is not int or not 1 <= rating <= 5:
        return JsonResponse({"error": "rating must be a whole number from 1 to 5"}, status=400)
    isbn = data["isbn"]
    if len(isbn) != 13 or not (isbn.isascii() and isbn.isdigit()):
        return JsonResponse({"error": "isbn must be exactly 13 digits"}, status=400)
    try:
        published = date.fromisoformat(data["published"])
    except ValueError:
        return JsonResponse({"error": "published must be a date, YYYY-MM-DD"}, status=400)

    try:
        book = await sync_to_async(save_book)(
            data["title"], data["author"], isbn, rating, published
        )
    except IntegrityError:
        return JsonResponse({"error": f"a book with isbn {isbn} exists already"}, status=409)
    reply = {"id": book.id, "title": book.title, "author": book.author.name}
    return JsonResponse(reply, status=201)


def save_book(title, author_name, isbn, rating, published):
    with transaction.atomic():
        author, _ = Author.objects.get_or_create(name=author_name)
        return Book.objects.create(
            title=title, author=author, isbn=isbn, rating=rating, published=published
        )
