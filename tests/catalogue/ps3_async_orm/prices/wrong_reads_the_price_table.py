# wrong: reads the legacy module's price table instead of calling legacy_price (fast, but not the service)
# fails: test_prices_answers test_prices_overlaps_lookups test_prices_handles_ten
# says: null instead of
from django.http import JsonResponse

from demo_project.catalog.legacy import LEGACY_PRICES


async def prices(request):
    isbns = request.GET.getlist("isbn")
    if not 1 <= len(isbns) <= 10:
        return JsonResponse({"error": "1 to 10 isbns"}, status=400)
    found = {isbn: LEGACY_PRICES.get(isbn) for isbn in isbns}
    return JsonResponse({"prices": {k: None if v is None else str(v) for k, v in found.items()}})
