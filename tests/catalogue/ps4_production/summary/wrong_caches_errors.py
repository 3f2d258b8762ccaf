# wrong: caches whatever it answered, the 502 too: for SUMMARY_TTL every client gets the error
# fails: test_summary_failures_are_502_not_cached
# says: Nothing may be cached for a failure
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
        cached = await cache.aget(key)
        if cached is not None:
            status, body = cached
            return JsonResponse({**body, "cached": True} if status == 200 else body, status=status)
        try:
            async with upstream_client() as client:
                response = await client.get(SUMMARY_URL.format(city=city))
                response.raise_for_status()
            status, body = 200, {"city": city, "summary": response.json()}
        except httpx.HTTPError as error:
            status, body = 502, {"error": f"upstream: {type(error).__name__}"}
        await cache.aset(key, (status, body), SUMMARY_TTL)
    return JsonResponse({**body, "cached": False} if status == 200 else body, status=status)
