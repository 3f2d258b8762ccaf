# right: @require_POST, validation first, aexists() for the isbn before any write, and a clean-up if the insert still clashes
import json
from datetime import date

from django.db import IntegrityError
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from demo_project.catalog.models import Author, Book


def bad(message):
    return JsonResponse({"error": message}, status=400)


@require_POST
async def create_book(request):
    try:
        data = json.loads(request.body)
        title, name, isbn = data["title"], data["author"], data["isbn"]
        rating, published = data["rating"], data["published"]
    except (ValueError, KeyError, TypeError):
        return bad("send a JSON object with title, author, isbn, rating and published")
    if not all(isinstance(v, str) and v for v in (title, name, isbn, published)):
        return bad("title, author, isbn and published must be non-empty strings")
    if type(rating) is not int or rating < 1 or rating > 5:
        return bad("rating must be an integer from 1 to 5")
    if len(isbn) != 13 or any(c not in "0123456789" for c in isbn):
        return bad("isbn must be 13 digits")
    try:
        published = date.fromisoformat(published)
    except ValueError:
        return bad("published must be a date YYYY-MM-DD")

    if await Book.objects.filter(isbn=isbn).aexists():
        return JsonResponse({"error": "that isbn is taken"}, status=409)
    author, created = await Author.objects.aget_or_create(name=name)
    try:
        book = await Book.objects.acreate(
            title=title, author=author, isbn=isbn, rating=rating, published=published
        )
    except IntegrityError:  # another request took the isbn meanwhile
        if created:
            await author.adelete()
        return JsonResponse({"error": "that isbn is taken"}, status=409)
    return JsonResponse({"id": book.id, "title": title, "author": name}, status=201)
