# wrong: makes its own httpx.AsyncClient instead of upstream_client(), so it reaches no service
# fails: test_dashboard_answers test_dashboard_fetches_concurrently
# fails: test_dashboard_reports_failed_upstreams test_dashboard_times_out_slow_upstream
# says: without a single request reaching the upstream services
# says: never called
import asyncio

import httpx
from django.http import JsonResponse


async def fetch(client, url):
    try:
        response = await client.get(url)
        response.raise_for_status()
        return response.json()
    except httpx.HTTPError as error:
        return {"error": type(error).__name__}


async def dashboard(request):
    async with httpx.AsyncClient(timeout=UPSTREAM_TIMEOUT) as client:
        results = await asyncio.gather(*(fetch(client, url) for url in UPSTREAMS.values()))
    return JsonResponse(dict(zip(UPSTREAMS, results, strict=True)))
