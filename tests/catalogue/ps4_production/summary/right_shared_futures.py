# right: the first request fetches and resolves a future that the other requests await
import asyncio

import httpx
from django.core.cache import cache
from django.http import JsonResponse

waiting: dict[str, asyncio.Future] = {}


async def fetch(city: str) -> dict | None:
    """The summary, or None when the service failed."""
    try:
        async with upstream_client() as client:
            response = await client.get(SUMMARY_URL.format(city=city))
    except httpx.HTTPError:
        return None
    return None if response.is_error else response.json()


async def summary(request):
    city = request.GET.get("city", "")
    if not city:
        return JsonResponse({"error": "which city?"}, status=400)
    key = f"summary:{city}"
    value = await cache.aget(key)
    fetched_here = False
    if value is None:
        if key in waiting:  # somebody is fetching it: wait for their answer
            value = await asyncio.shield(waiting[key])
        else:
            future = waiting[key] = asyncio.get_running_loop().create_future()
            value = None
            try:
                value = await fetch(city)
                if value is not None:
                    await cache.aset(key, value, SUMMARY_TTL)
            finally:
                del waiting[key]
                future.set_result(value)
            fetched_here = True
    if value is None:
        return JsonResponse({"error": "the summary service failed"}, status=502)
    return JsonResponse({"city": city, "summary": value, "cached": not fetched_here})
