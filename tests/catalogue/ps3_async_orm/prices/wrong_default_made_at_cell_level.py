# wrong: default sync_to_async made once in the cell: one shared thread, one lookup at a time
# fails: test_prices_overlaps_lookups test_prices_handles_ten
# says: the single shared thread that `sync_to_async` uses by default
import asyncio

from asgiref.sync import sync_to_async
from django.http import JsonResponse

from demo_project.catalog.legacy import legacy_price

lookup = sync_to_async(legacy_price)


async def safe_lookup(isbn):
    try:
        return str(await lookup(isbn))
    except KeyError:
        return None


async def prices(request):
    isbns = request.GET.getlist("isbn")
    if not 1 <= len(isbns) <= 10:
        return JsonResponse({"error": "send 1 to 10 isbns"}, status=400)
    unique = list(dict.fromkeys(isbns))
    return JsonResponse(
        {"prices": dict(zip(unique, await asyncio.gather(*map(safe_lookup, unique))))}
    )
