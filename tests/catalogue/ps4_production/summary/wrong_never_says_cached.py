# wrong: caches correctly but always answers "cached": false
# fails: test_summary_caches test_summary_expires_after_ttl
# says: "cached": false; it came from the cache
import asyncio

import httpx
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
        if value is None:
            try:
                async with upstream_client() as client:
                    response = await client.get(SUMMARY_URL.format(city=city))
                    response.raise_for_status()
            except httpx.HTTPError:
                return JsonResponse({"error": "the summary service failed"}, status=502)
            value = response.json()
            await cache.aset(key, value, SUMMARY_TTL)
    return JsonResponse({"city": city, "summary": value, "cached": False})
