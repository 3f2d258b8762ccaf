# wrong: returns whichever mirror finishes first, even when it failed
# fails: test_first_mirror_skips_failed_mirrors test_first_mirror_cancels_the_rest
# fails: test_first_mirror_all_fail_502
# says: which failed
# says: first mirror that answers 200
import asyncio

from django.http import JsonResponse


async def first_mirror(request):
    async with upstream_client() as client:
        tasks = {asyncio.create_task(client.get(url)): url for url in MIRRORS}
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        winner = done.pop()
        response = winner.result()
    return JsonResponse({"mirror": tasks[winner], "data": response.json()})
