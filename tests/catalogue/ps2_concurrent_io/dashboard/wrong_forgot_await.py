# wrong: calls client.get without await; the broad except hides the AttributeError that follows
# fails: test_dashboard_answers test_dashboard_fetches_concurrently
# fails: test_dashboard_reports_failed_upstreams test_dashboard_times_out_slow_upstream
# says: was never awaited
import asyncio

from django.http import JsonResponse


async def fetch(client, url):
    try:
        response = client.get(url)
        response.raise_for_status()
        return response.json()
    except Exception as error:
        return {"error": str(error)}


async def dashboard(request):
    async with upstream_client() as client:
        results = await asyncio.gather(*(fetch(client, url) for url in UPSTREAMS.values()))
    return JsonResponse(dict(zip(UPSTREAMS, results, strict=True)))
