# right: the thread_sensitive=False wrapper is made once, in the cell (the calls still reach the price service)
import asyncio

from asgiref.sync import sync_to_async
from django.http import JsonResponse

from demo_project.catalog.legacy import legacy_price

lookup = sync_to_async(legacy_price, thread_sensitive=False)


async def safe_lookup(isbn):
    try:
        return str(await lookup(isbn))
    except KeyError:
        return None


async def prices(request):
    isbns = request.GET.getlist("isbn")
    if len(isbns) == 0 or len(isbns) > 10:
        return JsonResponse({"error": "send 1 to 10 isbns"}, status=400)
    unique = list(dict.fromkeys(isbns))
    return JsonResponse(
        {"prices": dict(zip(unique, await asyncio.gather(*map(safe_lookup, unique))))}
    )
