# wrong: breaks ties on rating by title only, ignoring the publication date
# fails: test_book_stats_breaks_ties
# says: 'top_rated' is
from django.db.models import Avg, Count
from django.http import JsonResponse

from demo_project.catalog.models import Author, Book


async def book_stats(request):
    totals = await Book.objects.aaggregate(count=Count("id"), average=Avg("rating"))
    top = await Book.objects.order_by("-rating", "title").afirst()
    authors = Author.objects.filter(books__isnull=False).distinct().order_by("name")
    average = totals["average"]
    return JsonResponse(
        {
            "count": totals["count"],
            "average_rating": round(average, 2) if average is not None else None,
            "top_rated": top.title if top else None,
            "authors": [name async for name in authors.values_list("name", flat=True)],
        }
    )
