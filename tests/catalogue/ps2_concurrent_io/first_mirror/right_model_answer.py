# right: asyncio.wait(FIRST_COMPLETED) in a loop, cancelling what is pending in `finally` (the model answer)
import asyncio

from django.http import JsonResponse


async def first_mirror(request):
    """The first mirror that answers 200, with its data; the other requests are cancelled."""

    async def fetch(client, url):
        response = await client.get(url)
        response.raise_for_status()
        return url, response.json()

    async with upstream_client() as client:
        pending = {asyncio.create_task(fetch(client, url)) for url in MIRRORS}
        try:
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                good = [task for task in done if task.exception() is None]
                if good:
                    url, data = good[0].result()
                    return JsonResponse({"mirror": url, "data": data})
        finally:
            for task in pending:
                task.cancel()
    return JsonResponse({"error": "every mirror failed"}, status=502)
