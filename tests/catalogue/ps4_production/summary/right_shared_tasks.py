# right: one task per city in flight, awaited through asyncio.shield by every request that misses
import asyncio

import httpx
from django.core.cache import cache
from django.http import JsonResponse

in_flight: dict[str, asyncio.Task] = {}


class UpstreamFailed(Exception):
    pass


async def fetch_and_store(city: str, key: str) -> dict:
    try:
        async with upstream_client() as client:
            response = await client.get(SUMMARY_URL.format(city=city))
            response.raise_for_status()
    except httpx.HTTPError as error:
        raise UpstreamFailed(type(error).__name__) from error
    value = response.json()
    await cache.aset(key, value, SUMMARY_TTL)
    return value


async def summary(request):
    city = request.GET.get("city")
    if not city:
        return JsonResponse({"error": "the city is missing"}, status=400)
    key = f"summary:{city}"
    value = await cache.aget(key)
    if value is not None:
        return JsonResponse({"city": city, "summary": value, "cached": True})
    task = in_flight.get(key)
    first = task is None
    if first:
        task = asyncio.create_task(fetch_and_store(city, key))
        in_flight[key] = task
        task.add_done_callback(lambda done: in_flight.pop(key, None))
    try:
        value = await asyncio.shield(task)  # a client that leaves does not cancel the others' call
    except UpstreamFailed as error:
        return JsonResponse({"error": f"upstream failed: {error}"}, status=502)
    return JsonResponse({"city": city, "summary": value, "cached": not first})
