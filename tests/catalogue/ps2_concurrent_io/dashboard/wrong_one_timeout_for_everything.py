# wrong: one timeout around the whole gather: when it fires, the answers that did arrive are lost
# fails: test_dashboard_times_out_slow_upstream
# says: one timeout around the whole gather
# says: within UPSTREAM_TIMEOUT
import asyncio

from django.http import JsonResponse


async def dashboard(request):
    async with upstream_client() as client:
        try:
            async with asyncio.timeout(UPSTREAM_TIMEOUT):
                results = await asyncio.gather(
                    *(client.get(url) for url in UPSTREAMS.values()), return_exceptions=True
                )
        except TimeoutError:
            return JsonResponse({name: {"error": "timed out"} for name in UPSTREAMS})
    return JsonResponse(
        {
            name: {"error": repr(r)} if isinstance(r, Exception) or r.is_error else r.json()
            for name, r in zip(UPSTREAMS, results, strict=True)
        }
    )
