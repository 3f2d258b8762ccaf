# wrong: calls acount() without await, so count is a coroutine object
# fails: test_book_stats_answers test_book_stats_breaks_ties test_book_stats_handles_empty_catalog
# says: without `await`
from django.db.models import Avg
from django.http import JsonResponse

from demo_project.catalog.models import Author, Book


async def book_stats(request):
    count = Book.objects.acount()
    average = (await Book.objects.aaggregate(value=Avg("rating")))["value"]
    top = await Book.objects.order_by("-rating", "published", "title").afirst()
    authors = Author.objects.filter(books__isnull=False).distinct().order_by("name")
    return JsonResponse(
        {
            "count": count,
            "average_rating": round(average, 2) if average is not None else None,
            "top_rated": top.title if top else None,
            "authors": [name async for name in authors.values_list("name", flat=True)],
        }
    )
