# wrong: calls the blocking legacy_price straight from the async view
# fails: test_prices_overlaps_lookups test_prices_handles_ten
# says: ran on the event loop's own thread
from django.http import JsonResponse

from demo_project.catalog.legacy import legacy_price


async def prices(request):
    isbns = request.GET.getlist("isbn")
    if not 1 <= len(isbns) <= 10:
        return JsonResponse({"error": "1 to 10 isbns"}, status=400)
    found = {}
    for isbn in isbns:
        try:
            found[isbn] = str(legacy_price(isbn))
        except KeyError:
            found[isbn] = None
    return JsonResponse({"prices": found})
