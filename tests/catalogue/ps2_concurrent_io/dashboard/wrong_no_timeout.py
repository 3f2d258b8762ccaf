# wrong: handles failures but has no timeout, so one slow service makes the whole view slow
# fails: test_dashboard_times_out_slow_upstream
# says: to the end
import asyncio

from django.http import JsonResponse


async def dashboard(request):
    async with upstream_client() as client:
        results = await asyncio.gather(
            *(client.get(url) for url in UPSTREAMS.values()), return_exceptions=True
        )
    data = {}
    for name, result in zip(UPSTREAMS, results, strict=True):
        if isinstance(result, Exception):
            data[name] = {"error": repr(result)}
        elif result.is_error:
            data[name] = {"error": f"status {result.status_code}"}
        else:
            data[name] = result.json()
    return JsonResponse(data)
