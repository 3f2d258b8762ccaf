# wrong: gathers the calls but "spares the services" with time.sleep before each one
# fails: test_dashboard_fetches_concurrently test_dashboard_times_out_slow_upstream
# says: `time.sleep`
import asyncio
import time

import httpx
from django.http import JsonResponse


async def fetch(client, url):
    time.sleep(0.2)  # be gentle with the upstreams
    try:
        response = await client.get(url, timeout=UPSTREAM_TIMEOUT)
        response.raise_for_status()
        return response.json()
    except httpx.HTTPError as error:
        return {"error": type(error).__name__}


async def dashboard(request):
    async with upstream_client() as client:
        results = await asyncio.gather(*(fetch(client, url) for url in UPSTREAMS.values()))
    return JsonResponse(dict(zip(UPSTREAMS, results, strict=True)))
