# right: sync_to_async(legacy_price, thread_sensitive=False) for each isbn, gathered (the model answer)
import asyncio

from asgiref.sync import sync_to_async
from django.http import JsonResponse

from demo_project.catalog.legacy import legacy_price

MAX_ISBNS = 10


async def prices(request):
    given = request.GET.getlist("isbn")
    if not 1 <= len(given) <= MAX_ISBNS:
        return JsonResponse({"error": f"give 1 to {MAX_ISBNS} isbn parameters"}, status=400)
    isbns = list(dict.fromkeys(given))

    async def price_of(isbn):
        try:
            return str(await sync_to_async(legacy_price, thread_sensitive=False)(isbn))
        except KeyError:
            return None

    found = await asyncio.gather(*(price_of(isbn) for isbn in isbns))
    return JsonResponse({"prices": dict(zip(isbns, found))})
