# wrong: never looks at the status, so a 503's body is shown as if it were data
# fails: test_dashboard_reports_failed_upstreams
# says: must appear as {"error": "<short reason>"}
import asyncio

import httpx
from django.http import JsonResponse


async def fetch(client, url):
    try:
        response = await asyncio.wait_for(client.get(url), UPSTREAM_TIMEOUT)
    except (TimeoutError, httpx.HTTPError) as error:
        return {"error": repr(error)}
    return response.json()


async def dashboard(request):
    async with upstream_client() as client:
        results = await asyncio.gather(*(fetch(client, url) for url in UPSTREAMS.values()))
    return JsonResponse(dict(zip(UPSTREAMS, results, strict=True)))
