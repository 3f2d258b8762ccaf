# wrong: thread_sensitive=False, but awaits each lookup before starting the next
# fails: test_prices_overlaps_lookups test_prices_handles_ten
# says: ran one after another

from asgiref.sync import sync_to_async
from django.http import JsonResponse

from demo_project.catalog.legacy import legacy_price


async def prices(request):
    isbns = request.GET.getlist("isbn")
    if not 1 <= len(isbns) <= 10:
        return JsonResponse({"error": "1 to 10 isbns"}, status=400)
    found = {}
    for isbn in isbns:
        try:
            found[isbn] = str(await sync_to_async(legacy_price, thread_sensitive=False)(isbn))
        except KeyError:
            found[isbn] = None
    return JsonResponse({"prices": found})
