# right: every task puts its outcome on a queue; failures go to stderr; losers are cancelled and awaited
import asyncio
import sys

from django.http import JsonResponse


async def first_mirror(request):
    outcomes = asyncio.Queue()

    async def ask(client, url):
        try:
            response = await client.get(url)
            outcomes.put_nowait((url, response.status_code, response.json()))
        except Exception as error:
            outcomes.put_nowait((url, None, error))

    async with upstream_client() as client:
        tasks = [asyncio.create_task(ask(client, url)) for url in MIRRORS]
        try:
            for _ in MIRRORS:
                url, status, data = await outcomes.get()
                if status == 200:
                    return JsonResponse({"mirror": url, "data": data})
                print(f"mirror {url} failed: {status or data!r}", file=sys.stderr)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return JsonResponse({"error": "every mirror failed"}, status=502)
