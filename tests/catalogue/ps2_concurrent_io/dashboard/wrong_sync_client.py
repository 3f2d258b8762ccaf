# wrong: a synchronous httpx.Client on the same transport: every call blocks the event loop
# fails: test_dashboard_fetches_concurrently test_dashboard_times_out_slow_upstream
# says: synchronous HTTP client
import httpx
from django.http import JsonResponse


async def dashboard(request):
    data = {}
    with httpx.Client(transport=services.blocking_transport(), timeout=UPSTREAM_TIMEOUT) as client:
        for name, url in UPSTREAMS.items():
            try:
                response = client.get(url)
                response.raise_for_status()
                data[name] = response.json()
            except httpx.HTTPError as error:
                data[name] = {"error": str(error)}
    return JsonResponse(data)
