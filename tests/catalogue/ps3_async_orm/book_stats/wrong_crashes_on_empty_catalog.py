# wrong: rounds the mean and reads the top title without checking for None (no books)
# fails: test_book_stats_handles_empty_catalog
# says: TypeError
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
            "average_rating": round(totals["average"], 2),
            "top_rated": top.title,
            "authors": [name async for name in authors.values_list("name", flat=True)],
        }
    )
