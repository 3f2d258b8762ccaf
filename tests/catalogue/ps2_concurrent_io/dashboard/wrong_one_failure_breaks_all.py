# wrong: a plain gather whose helper raises on failure, so one broken service breaks the view
# fails: test_dashboard_reports_failed_upstreams test_dashboard_times_out_slow_upstream
# says: took the whole dashboard down
import asyncio

from django.http import JsonResponse


async def fetch(client, url):
    response = await client.get(url, timeout=UPSTREAM_TIMEOUT)
    response.raise_for_status()
    return response.json()


async def dashboard(request):
    async with upstream_client() as client:
        results = await asyncio.gather(*(fetch(client, url) for url in UPSTREAMS.values()))
    return JsonResponse(dict(zip(UPSTREAMS, results, strict=True)))
