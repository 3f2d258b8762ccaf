# right: gathers one fetch per service, each under `async with asyncio.timeout(...)` (the model answer)
import asyncio

import httpx
from django.http import JsonResponse


async def dashboard(request):
    """Weather, news and stocks fetched at once; a failed or slow service becomes an error."""

    async def fetch(client, url):
        try:
            async with asyncio.timeout(UPSTREAM_TIMEOUT):
                response = await client.get(url)
        except TimeoutError:
            return {"error": f"no answer within {UPSTREAM_TIMEOUT:g} s"}
        except httpx.HTTPError as error:
            return {"error": f"{type(error).__name__}: {error}"}
        if response.is_error:
            return {"error": f"the service answered {response.status_code}"}
        return response.json()

    async with upstream_client() as client:
        results = await asyncio.gather(*(fetch(client, url) for url in UPSTREAMS.values()))
    return JsonResponse(dict(zip(UPSTREAMS, results, strict=True)))
