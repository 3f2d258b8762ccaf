# wrong: returns the mean as it comes, without rounding to 2 places
# fails: test_book_stats_answers test_book_stats_breaks_ties test_book_stats_handles_empty_catalog
# says: rounded to 2 places
from django.db.models import Avg, Count
from django.http import JsonResponse

from demo_project.catalog.models import Author, Book


async def book_stats(request):
    totals = await Book.objects.aaggregate(count=Count("id"), average=Avg("rating"))
    top = await Book.objects.order_by("-rating", "published", "title").afirst()
    authors = Author.objects.filter(books__isnull=False).distinct().order_by("name")
    return JsonResponse(
        {
            "count": totals["count"],
            "average_rating": totals["average"],
            "top_rated": top.title if top else None,
            "authors": [name async for name in authors.values_list("name", flat=True)],
        }
    )
