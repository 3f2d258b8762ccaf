# wrong: awaits the services one after another (each with a timeout), so the waits add up
# fails: test_dashboard_fetches_concurrently test_dashboard_times_out_slow_upstream
# says: in flight at the same time
# says: The waits added up
import httpx
from django.http import JsonResponse


async def dashboard(request):
    data = {}
    async with upstream_client(timeout=UPSTREAM_TIMEOUT) as client:
        for name, url in UPSTREAMS.items():
            try:
                response = await client.get(url)
                response.raise_for_status()
                data[name] = response.json()
            except httpx.HTTPError as error:
                data[name] = {"error": str(error)}
    return JsonResponse(data)
