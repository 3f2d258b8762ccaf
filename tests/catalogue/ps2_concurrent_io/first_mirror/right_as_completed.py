# right: takes results in the order they finish with asyncio.as_completed, skipping failures
import asyncio

import httpx
from django.http import JsonResponse


async def first_mirror(request):
    async with upstream_client() as client:
        tasks = [asyncio.create_task(client.get(url)) for url in MIRRORS]
        try:
            for next_done in asyncio.as_completed(tasks):
                try:
                    response = await next_done
                except httpx.HTTPError:
                    continue
                if response.status_code == 200:
                    return JsonResponse({"mirror": str(response.url), "data": response.json()})
        finally:
            for task in tasks:
                task.cancel()
    return JsonResponse({"error": "no mirror answered 200"}, status=502)
