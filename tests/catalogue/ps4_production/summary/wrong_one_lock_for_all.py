# wrong: one asyncio.Lock for every city: Porto waits while Lisbon is fetched
# fails: test_summary_cities_do_not_wait
# says: each city waited for the others
# says: one `asyncio.Lock` per city
import asyncio

import httpx
from django.core.cache import cache
from django.http import JsonResponse

lock = asyncio.Lock()


async def summary(request):
    city = request.GET.get("city")
    if not city:
        return JsonResponse({"error": "city is required"}, status=400)
    key = f"summary:{city}"
    async with lock:
        value = await cache.aget(key)
        if value is not None:
            return JsonResponse({"city": city, "summary": value, "cached": True})
        try:
            async with upstream_client() as client:
                response = await client.get(SUMMARY_URL.format(city=city))
                response.raise_for_status()
        except httpx.HTTPError:
            return JsonResponse({"error": "the summary service failed"}, status=502)
        await cache.aset(key, response.json(), SUMMARY_TTL)
    return JsonResponse({"city": city, "summary": response.json(), "cached": False})
