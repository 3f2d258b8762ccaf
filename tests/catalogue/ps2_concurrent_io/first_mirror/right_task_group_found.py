# right: a TaskGroup whose winning task raises Found; the group then cancels and awaits the rest
import asyncio

import httpx
from django.http import JsonResponse


class Found(Exception):
    """Raised by the first mirror that answers 200, to stop the others."""


async def first_mirror(request):
    async def try_mirror(client, url):
        try:
            response = await client.get(url)
        except httpx.HTTPError:
            return
        if response.status_code == 200:
            raise Found(url, response.json())

    winner = None
    try:
        async with upstream_client() as client, asyncio.TaskGroup() as group:
            for url in MIRRORS:
                group.create_task(try_mirror(client, url))
    except* Found as found:
        winner = found.exceptions[0].args
    if winner is None:
        return JsonResponse({"error": "all mirrors failed"}, status=502)
    url, data = winner
    return JsonResponse({"mirror": url, "data": data})
