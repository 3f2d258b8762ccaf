# wrong: tries the mirrors one by one, in the order of MIRRORS
# fails: test_first_mirror_answers test_first_mirror_asks_all_at_once
# fails: test_first_mirror_skips_failed_mirrors test_first_mirror_cancels_the_rest
# says: answered first
# says: asked only 1 of the 4 mirrors
import httpx
from django.http import JsonResponse


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
