# right: gathers the bare client.get calls with return_exceptions=True and timeout= on each call
import asyncio

from django.http import JsonResponse


async def dashboard(request):
    async with upstream_client() as client:
        results = await asyncio.gather(
            *(client.get(url, timeout=UPSTREAM_TIMEOUT) for url in UPSTREAMS.values()),
            return_exceptions=True,
        )
    data = {}
    for name, result in zip(UPSTREAMS, results, strict=True):
        if isinstance(result, Exception):
            data[name] = {"error": type(result).__name__}
        elif result.status_code >= 400:
            data[name] = {"error": f"HTTP {result.status_code}"}
        else:
            data[name] = result.json()
    return JsonResponse(data)
