# wrong: switches Django's safety check off with DJANGO_ALLOW_ASYNC_UNSAFE and uses the sync ORM
# fails: test_book_stats_answers test_book_stats_breaks_ties test_book_stats_handles_empty_catalog
# says: DJANGO_ALLOW_ASYNC_UNSAFE
# says: on the event loop's own thread
import os

from django.db.models import Avg, Count
from django.http import JsonResponse

from demo_project.catalog.models import Author, Book


async def book_stats(request):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        totals = Book.objects.aggregate(count=Count("id"), average=Avg("rating"))
        top = Book.objects.order_by("-rating", "published", "title").first()
        authors = Author.objects.filter(books__isnull=False).distinct().order_by("name")
        average = totals["average"]
        return JsonResponse(
            {
                "count": totals["count"],
                "average_rating": round(average, 2) if average is not None else None,
                "top_rated": top.title if top else None,
                "authors": list(authors.values_list("name", flat=True)),
            }
        )
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
