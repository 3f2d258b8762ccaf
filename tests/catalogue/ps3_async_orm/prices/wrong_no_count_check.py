# wrong: never checks how many isbns came (none gives an empty answer, eleven are all looked up)
# fails: test_prices_rejects_bad_counts
# says: expected 400
import asyncio

from asgiref.sync import sync_to_async
from django.http import JsonResponse

from demo_project.catalog.legacy import legacy_price


async def prices(request):
    isbns = list(dict.fromkeys(request.GET.getlist("isbn")))

    async def price_of(isbn):
        try:
            return str(await sync_to_async(legacy_price, thread_sensitive=False)(isbn))
        except KeyError:
            return None

    found = await asyncio.gather(*(price_of(isbn) for isbn in isbns))
    return JsonResponse({"prices": dict(zip(isbns, found))})
