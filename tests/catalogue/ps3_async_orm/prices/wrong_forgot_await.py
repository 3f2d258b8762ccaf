# wrong: makes the coroutines but never awaits them (no gather), and puts coroutine objects in the answer
# fails: test_prices_answers test_prices_overlaps_lookups test_prices_handles_ten
# says: without `await`
from asgiref.sync import sync_to_async
from django.http import JsonResponse

from demo_project.catalog.legacy import legacy_price


async def prices(request):
    isbns = request.GET.getlist("isbn")
    if not 1 <= len(isbns) <= 10:
        return JsonResponse({"error": "1 to 10 isbns"}, status=400)
    lookup = sync_to_async(legacy_price, thread_sensitive=False)
    return JsonResponse({"prices": {isbn: lookup(isbn) for isbn in isbns}})
