# wrong: starts the lookups in threads, but spaces them out with time.sleep, which blocks the event loop
# fails: test_prices_overlaps_lookups test_prices_handles_ten
# says: `time.sleep`
import asyncio
import time

from django.http import JsonResponse

from demo_project.catalog.legacy import legacy_price


def price_or_none(isbn):
    try:
        return str(legacy_price(isbn))
    except KeyError:
        return None


async def prices(request):
    isbns = list(dict.fromkeys(request.GET.getlist("isbn")))
    if not 1 <= len(request.GET.getlist("isbn")) <= 10:
        return JsonResponse({"error": "1 to 10 isbns"}, status=400)
    tasks = []
    for isbn in isbns:
        tasks.append(asyncio.create_task(asyncio.to_thread(price_or_none, isbn)))
        time.sleep(0.05)  # "be gentle with the old system"
    return JsonResponse({"prices": dict(zip(isbns, await asyncio.gather(*tasks)))})
