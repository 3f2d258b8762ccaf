# wrong: stores the summary without a timeout: Django keeps it for the default 300 s
# fails: test_summary_expires_after_ttl
# says: longer than SUMMARY_TTL
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
        if value is not None:
            return JsonResponse({"city": city, "summary": value, "cached": True})
        try:
            async with upstream_client() as client:
                response = await client.get(SUMMARY_URL.format(city=city))
                response.raise_for_status()
        except httpx.HTTPError:
            return JsonResponse({"error": "the summary service failed"}, status=502)
        await cache.aset(key, response.json())
    return JsonResponse({"city": city, "summary": response.json(), "cached": False})
