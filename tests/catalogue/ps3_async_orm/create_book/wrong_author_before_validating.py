# wrong: creates the author as soon as the name is known, then validates the rest (400s and 409s leave it behind)
# fails: test_create_book_rejects_bad_input test_create_book_duplicate_isbn
# says: the database is not as before: author
import json
from datetime import date

from django.db import IntegrityError
from django.http import JsonResponse

from demo_project.catalog.models import Author, Book


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
    author, _ = await Author.objects.aget_or_create(name=name)
    if type(rating) is not int or not 1 <= rating <= 5:
        return JsonResponse({"error": "bad rating"}, status=400)
    if len(isbn) != 13 or not (isbn.isascii() and isbn.isdigit()):
        return JsonResponse({"error": "bad isbn"}, status=400)
    try:
        published = date.fromisoformat(published)
    except ValueError:
        return JsonResponse({"error": "bad date"}, status=400)
    try:
        book = await Book.objects.acreate(
            title=title, author=author, isbn=isbn, rating=rating, published=published
        )
    except IntegrityError:
        return JsonResponse({"error": "duplicate isbn"}, status=409)
    return JsonResponse({"id": book.id, "title": title, "author": name}, status=201)
