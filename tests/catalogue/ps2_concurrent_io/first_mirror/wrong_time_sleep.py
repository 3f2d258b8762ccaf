# wrong: pauses with time.sleep between starting the requests, blocking the event loop
# fails: test_first_mirror_asks_all_at_once
# says: `time.sleep`
import asyncio
import time

from django.http import JsonResponse


async def first_mirror(request):
    async with upstream_client() as client:
        pending = set()
        for url in MIRRORS:
            pending.add(asyncio.create_task(client.get(url)))
            time.sleep(0.1)  # do not hit every mirror in the same instant
        try:
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    if task.exception() is None and task.result().status_code == 200:
                        response = task.result()
                        return JsonResponse({"mirror": str(response.url), "data": response.json()})
        finally:
            for task in pending:
                task.cancel()
    return JsonResponse({"error": "every mirror failed"}, status=502)
