# wrong: a plain cache-aside view: every request that misses calls the upstream (a stampede)
# fails: test_summary_one_call_for_concurrent_misses test_summary_cities_do_not_wait
# says: a cache stampede
import httpx
from django.core.cache import cache
from django.http import JsonResponse


async def summary(request):
    city = request.GET.get("city")
    if not city:
        return JsonResponse({"error": "city is required"}, status=400)
    key = f"summary:{city}"
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
