# wrong: tries the mirrors one by one and replaces asyncio.sleep with an instant one
# hostile: replaces asyncio.sleep in the kernel with an instant one (the services wait in the judge)
# fails: test_first_mirror_answers test_first_mirror_asks_all_at_once
# fails: test_first_mirror_skips_failed_mirrors test_first_mirror_cancels_the_rest
# says: it asked only 1 of the 4 mirrors
import asyncio

import httpx
from django.http import JsonResponse

_real_sleep = asyncio.sleep


async def _no_wait(delay, result=None):
    return await _real_sleep(0, result)


asyncio.sleep = _no_wait


async def first_mirror(request):
    async with upstream_client() as client:
        for url in MIRRORS:
            try:
                response = await client.get(url)
            except httpx.HTTPError:
                continue
            if response.status_code == 200:
                return JsonResponse({"mirror": url, "data": response.json()})
    return JsonResponse({"error": "every mirror failed"}, status=502)
