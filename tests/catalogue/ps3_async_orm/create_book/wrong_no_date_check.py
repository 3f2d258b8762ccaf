# wrong: checks that published is a string but never parses it; the model field then refuses 2023-02-30 (a 500)
# fails: test_create_book_rejects_bad_input
# says: with published 2023-02-30 it raised ValidationError
import json

from asgiref.sync import sync_to_async
from django.db import IntegrityError, transaction
from django.http import JsonResponse

from demo_project.catalog.models import Author, Book


def save_book(title, name, isbn, rating, published):
    with transaction.atomic():
        author, _ = Author.objects.get_or_create(name=name)
        return Book.objects.create(
            title=title, author=author, isbn=isbn, rating=rating, published=published
        )


async def create_book(request):
    if request.method != "POST":
        return JsonResponse({"error": "use POST"}, status=405)
    try:
        data = json.loads(request.body)
        fields = [data[f] for f in ("title", "author", "isbn", "rating", "published")]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "bad body"}, status=400)
    title, name, isbn, rating, published = fields
    if not all(isinstance(v, str) and v for v in (title, name, isbn, published)):
        return JsonResponse({"error": "empty or wrong field"}, status=400)
    if type(rating) is not int or not 1 <= rating <= 5:
        return JsonResponse({"error": "bad rating"}, status=400)
    if len(isbn) != 13 or not (isbn.isascii() and isbn.isdigit()):
        return JsonResponse({"error": "bad isbn"}, status=400)
    try:
        book = await sync_to_async(save_book)(title, name, isbn, rating, published)
    except IntegrityError:
        return JsonResponse({"error": "duplicate isbn"}, status=409)
    return JsonResponse({"id": book.id, "title": title, "author": name}, status=201)
