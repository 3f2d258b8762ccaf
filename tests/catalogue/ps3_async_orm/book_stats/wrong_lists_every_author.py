# wrong: lists every author, also those without books
# fails: test_book_stats_handles_empty_catalog
# says: authors without books are left out
from django.db.models import Avg, Count
from django.http import JsonResponse

from demo_project.catalog.models import Author, Book


async def book_stats(request):
    totals = await Book.objects.aaggregate(count=Count("id"), average=Avg("rating"))
    top = await Book.objects.order_by("-rating", "published", "title").afirst()
    average = totals["average"]
    return JsonResponse(
        {
            "count": totals["count"],
            "average_rating": round(average, 2) if average is not None else None,
            "top_rated": top.title if top else None,
            "authors": [a async for a in Author.objects.values_list("name", flat=True)],
        }
    )
