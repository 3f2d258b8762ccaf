# wrong: forgets to await asyncio.wait, so it gets a coroutine instead of (done, pending)
# fails: test_first_mirror_answers test_first_mirror_asks_all_at_once
# fails: test_first_mirror_skips_failed_mirrors test_first_mirror_cancels_the_rest
# fails: test_first_mirror_all_fail_502
# says: was never awaited
import asyncio

from django.http import JsonResponse


async def first_mirror(request):
    async with upstream_client() as client:
        tasks = {asyncio.create_task(client.get(url)): url for url in MIRRORS}
        try:
            done, pending = asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            task = done.pop()
            return JsonResponse({"mirror": tasks[task], "data": task.result().json()})
        finally:
            for task in tasks:
                task.cancel()
