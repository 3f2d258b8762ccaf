# wrong: gathers sync_to_async(legacy_price) with the default thread_sensitive=True: one shared thread, one call at a time
# fails: test_prices_overlaps_lookups test_prices_handles_ten
# says: thread_sensitive=True
# says: all on one thread
import asyncio

from asgiref.sync import sync_to_async
from django.http import JsonResponse

from demo_project.catalog.legacy import legacy_price


async def prices(request):
    isbns = list(dict.fromkeys(request.GET.getlist("isbn")))
    if not 1 <= len(request.GET.getlist("isbn")) <= 10:
        return JsonResponse({"error": "1 to 10 isbns"}, status=400)

    async def price_of(isbn):
        try:
            return str(await sync_to_async(legacy_price)(isbn))
        except KeyError:
            return None

    found = await asyncio.gather(*(price_of(isbn) for isbn in isbns))
    return JsonResponse({"prices": dict(zip(isbns, found))})
