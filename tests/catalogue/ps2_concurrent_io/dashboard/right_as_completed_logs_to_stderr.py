# right: httpx.Timeout on the client, asyncio.as_completed, failures printed to stderr
import asyncio
import sys

import httpx
from django.http import JsonResponse


async def dashboard(request):
    async def fetch(client, name, url):
        try:
            response = await client.get(url)
            response.raise_for_status()
        except httpx.HTTPError as error:
            print(f"dashboard: {name} failed: {error!r}", file=sys.stderr)
            return name, {"error": type(error).__name__}
        return name, response.json()

    results = {}
    async with upstream_client(timeout=httpx.Timeout(UPSTREAM_TIMEOUT)) as client:
        fetches = [fetch(client, name, url) for name, url in UPSTREAMS.items()]
        for next_result in asyncio.as_completed(fetches):
            name, value = await next_result
            results[name] = value
    return JsonResponse({name: results[name] for name in UPSTREAMS})
