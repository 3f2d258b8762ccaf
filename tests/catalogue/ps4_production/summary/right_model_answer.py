# right: an asyncio.Lock per city, with a second look in the cache inside it (the model answer)
import asyncio

import httpx
from django.core.cache import cache
from django.http import JsonResponse

# Shared by every request (module level, not inside the view): a lock per city, if you use locks.
locks: dict[str, asyncio.Lock] = {}


async def summary(request):
    """A city's summary: from the cache when fresh, else fetched by one request for all."""
    city = request.GET.get("city", "")
    if not city:
        return JsonResponse({"error": "give a city: ?city=<name>"}, status=400)
    key = f"summary:{city}"
    value = await cache.aget(key)
    if value is not None:
        return JsonResponse({"city": city, "summary": value, "cached": True})
    async with locks.setdefault(key, asyncio.Lock()):
        value = await cache.aget(key)  # cached while this request waited for the lock?
        if value is not None:
            return JsonResponse({"city": city, "summary": value, "cached": True})
        try:
            async with upstream_client() as client:
                response = await client.get(SUMMARY_URL.format(city=city))
                response.raise_for_status()
        except httpx.HTTPError as error:
            failure = f"the summary service failed: {type(error).__name__}"
            return JsonResponse({"error": failure}, status=502)
        value = response.json()
        await cache.aset(key, value, SUMMARY_TTL)
    return JsonResponse({"city": city, "summary": value, "cached": False})
