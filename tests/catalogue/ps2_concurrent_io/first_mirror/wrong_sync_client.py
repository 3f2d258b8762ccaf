# wrong: a synchronous httpx.Client, trying the mirrors in order: it blocks the event loop
# fails: test_first_mirror_answers test_first_mirror_asks_all_at_once
# fails: test_first_mirror_skips_failed_mirrors test_first_mirror_cancels_the_rest
# says: synchronous HTTP client
import httpx
from django.http import JsonResponse


async def first_mirror(request):
    with httpx.Client(transport=services.blocking_transport()) as client:
        for url in MIRRORS:
            try:
                response = client.get(url)
            except httpx.HTTPError:
                continue
            if response.status_code == 200:
                return JsonResponse({"mirror": url, "data": response.json()})
    return JsonResponse({"error": "every mirror failed"}, status=502)
