# right: a lock per city made on first use; aget_or_set stores the fetched summary unless one is there
import asyncio
import collections

import httpx
from django.core.cache import cache
from django.http import JsonResponse

city_locks = collections.defaultdict(asyncio.Lock)


async def fetch(city):
    async with upstream_client() as client:
        response = await client.get(SUMMARY_URL.format(city=city))
    response.raise_for_status()
    return response.json()


async def summary(request):
    city = request.GET.get("city")
    if not city:
        return JsonResponse({"error": "city is required"}, status=400)
    key = "summary:" + city
    async with city_locks[key]:
        hit = await cache.aget(key)
        if hit is not None:
            return JsonResponse({"city": city, "summary": hit, "cached": True})
        try:
            fetched = await fetch(city)
        except httpx.HTTPError as error:
            return JsonResponse({"error": str(error) or type(error).__name__}, status=502)
        stored = await cache.aget_or_set(key, fetched, timeout=SUMMARY_TTL)
    return JsonResponse({"city": city, "summary": stored, "cached": False})
