# wrong: never catches the KeyError for an unknown isbn, so gather ends the whole request with it
# fails: test_prices_answers test_prices_handles_ten
# says: KeyError
import asyncio

from asgiref.sync import sync_to_async
from django.http import JsonResponse

from demo_project.catalog.legacy import legacy_price


async def prices(request):
    isbns = list(dict.fromkeys(request.GET.getlist("isbn")))
    if not 1 <= len(request.GET.getlist("isbn")) <= 10:
        return JsonResponse({"error": "1 to 10 isbns"}, status=400)
    lookup = sync_to_async(legacy_price, thread_sensitive=False)
    found = await asyncio.gather(*(lookup(isbn) for isbn in isbns))
    return JsonResponse({"prices": {isbn: str(price) for isbn, price in zip(isbns, found)}})
