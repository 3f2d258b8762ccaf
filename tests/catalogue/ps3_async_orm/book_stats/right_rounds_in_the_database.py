# right: acount, Round(Avg) in SQL, values_list().afirst(), authors annotated with their book count
from django.db.models import Avg, Count
from django.db.models.functions import Round
from django.http import JsonResponse

from demo_project.catalog.models import Author, Book


async def book_stats(request):
    count = await Book.objects.acount()
    average = (await Book.objects.aaggregate(value=Round(Avg("rating"), 2)))["value"]
    top_rated = (
        await Book.objects.order_by("-rating", "published", "title")
        .values_list("title", flat=True)
        .afirst()
    )
    with_books = (
        Author.objects.annotate(books_written=Count("books"))
        .filter(books_written__gt=0)
        .order_by("name")
    )
    authors = [author.name async for author in with_books]
    return JsonResponse(
        {
            "count": count,
            "average_rating": float(average) if average is not None else None,
            "top_rated": top_rated,
            "authors": authors,
        }
    )
