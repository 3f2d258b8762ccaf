# right: async all the way; validates first, deletes the author it created when the book insert fails; logs to stderr
import json
import re
import sys
from datetime import datetime

from django.db import IntegrityError
from django.http import JsonResponse

from demo_project.catalog.models import Author, Book

TEXT_FIELDS = ("title", "author", "isbn", "published")


def problem_with(data):
    """What is wrong with the posted data, or None."""
    if not isinstance(data, dict):
        return "send a JSON object"
    for field in (*TEXT_FIELDS, "rating"):
        if field not in data:
            return f"missing field: {field}"
    for field in TEXT_FIELDS:
        if not isinstance(data[field], str) or not data[field]:
            return f"{field} must be a non-empty string"
    if isinstance(data["rating"], bool) or not isinstance(data["rating"], int):
        return "rating must be an integer"
    if data["rating"] not in range(1, 6):
        return "rating must be 1 to 5"
    if not re.fullmatch(r"[0-9]{13}", data["isbn"]):
        return "isbn must be 13 digits"
    try:
        datetime.strptime(data["published"], "%Y-%m-%d")
    except ValueError:
        return "published must be YYYY-MM-DD"
    return None


async def create_book(request):
    if request.method != "POST":
        return JsonResponse({"error": "method not allowed"}, status=405)
    try:
        data = json.loads(request.body)
    except json.JSONDecodeError:
        return JsonResponse({"error": "invalid JSON"}, status=400)
    problem = problem_with(data)
    if problem:
        print(f"create_book: 400 {problem}", file=sys.stderr)
        return JsonResponse({"error": problem}, status=400)

    author, created = await Author.objects.aget_or_create(name=data["author"])
    try:
        book = await Book.objects.acreate(
            title=data["title"],
            author=author,
            isbn=data["isbn"],
            rating=data["rating"],
            published=datetime.strptime(data["published"], "%Y-%m-%d").date(),
        )
    except IntegrityError:
        if created:
            await author.adelete()
        print(f"create_book: 409 {data['isbn']}", file=sys.stderr)
        return JsonResponse({"error": "duplicate isbn"}, status=409)
    return JsonResponse({"id": book.pk, "title": book.title, "author": author.name}, status=201)
