# wrong: cuts the mean to 2 places instead of rounding it (3.66 for 3.666...)
# fails: test_book_stats_answers test_book_stats_breaks_ties test_book_stats_handles_empty_catalog
# says: 'average_rating' is
# says: rounded to 2 places
from django.db.models import Avg, Count
from django.http import JsonResponse

from demo_project.catalog.models import Author, Book


async def book_stats(request):
    totals = await Book.objects.aaggregate(count=Count("id"), average=Avg("rating"))
    top = await Book.objects.order_by("-rating", "published", "title").afirst()
    authors = Author.objects.filter(books__isnull=False).distinct().order_by("name")
    average = totals["average"]
    return JsonResponse(
        {
            "count": totals["count"],
            "average_rating": int(average * 100) / 100 if average is not None else None,
            "top_rated": top.title if top else None,
            "authors": [name async for name in authors.values_list("name", flat=True)],
        }
    )
