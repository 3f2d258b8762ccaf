# right: reads every book once with async for (select_related) and computes in Python; debug output on stderr
import sys

from django.http import JsonResponse

from demo_project.catalog.models import Book


async def book_stats(request):
    books = [book async for book in Book.objects.select_related("author")]
    print(f"book_stats: {len(books)} books", file=sys.stderr)
    if not books:
        return JsonResponse({"count": 0, "average_rating": None, "top_rated": None, "authors": []})
    top = min(books, key=lambda b: (-b.rating, b.published, b.title))
    return JsonResponse(
        {
            "count": len(books),
            "average_rating": round(sum(b.rating for b in books) / len(books), 2),
            "top_rated": top.title,
            "authors": sorted({b.author.name for b in books}),
        }
    )
