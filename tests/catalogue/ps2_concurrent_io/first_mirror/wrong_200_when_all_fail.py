# wrong: reports "every mirror failed" with status 200
# fails: test_first_mirror_all_fail_502
# says: expected 502
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
                if not response.is_error:
                    return JsonResponse({"mirror": str(response.url), "data": response.json()})
        finally:
            for task in tasks:
                task.cancel()
    return JsonResponse({"error": "every mirror failed"})
