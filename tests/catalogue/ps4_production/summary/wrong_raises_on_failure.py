# wrong: lets the upstream's errors escape: a failing summary service becomes a 500 page
# fails: test_summary_failures_are_502_not_cached
# says: it raised
# says: status=502
import asyncio

from django.core.cache import cache
from django.http import JsonResponse

locks: dict[str, asyncio.Lock] = {}


async def summary(request):
    city = request.GET.get("city")
    if not city:
        return JsonResponse({"error": "city is required"}, status=400)
    key = f"summary:{city}"
    async with locks.setdefault(key, asyncio.Lock()):
        value = await cache.aget(key)
        if value is not None:
            return JsonResponse({"city": city, "summary": value, "cached": True})
        async with upstream_client() as client:
            response = await client.get(SUMMARY_URL.format(city=city))
            response.raise_for_status()
        await cache.aset(key, response.json(), SUMMARY_TTL)
    return JsonResponse({"city": city, "summary": response.json(), "cached": False})
