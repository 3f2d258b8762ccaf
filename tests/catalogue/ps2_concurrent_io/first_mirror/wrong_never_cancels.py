# wrong: finds the first good mirror but leaves the other requests running
# fails: test_first_mirror_cancels_the_rest
# says: still running after the view had answered
import asyncio

import httpx
from django.http import JsonResponse


async def first_mirror(request):
    client = upstream_client()
    pending = {asyncio.create_task(client.get(url)) for url in MIRRORS}
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            try:
                response = task.result()
            except httpx.HTTPError:
                continue
            if response.status_code == 200:
                return JsonResponse({"mirror": str(response.url), "data": response.json()})
    return JsonResponse({"error": "every mirror failed"}, status=502)
