# wrong: times every mirror, waits for all of them, then picks the fastest good one
# fails: test_first_mirror_cancels_the_rest
# says: it let the slower mirrors finish first
import asyncio
import time

import httpx
from django.http import JsonResponse


async def timed_get(client, url):
    started = time.perf_counter()
    try:
        response = await client.get(url)
    except httpx.HTTPError:
        return None
    return time.perf_counter() - started, url, response


async def first_mirror(request):
    async with upstream_client() as client:
        results = await asyncio.gather(*(timed_get(client, url) for url in MIRRORS))
    good = [r for r in results if r is not None and r[2].status_code == 200]
    if not good:
        return JsonResponse({"error": "every mirror failed"}, status=502)
    _, url, response = min(good, key=lambda r: r[0])
    return JsonResponse({"mirror": url, "data": response.json()})
