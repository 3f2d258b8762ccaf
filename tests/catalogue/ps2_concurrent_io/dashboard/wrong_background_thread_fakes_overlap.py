# wrong: awaits the services one after another, while a thread it started fires requests at them all the time
# hostile: a thread that outlives its cell and sends overlapping calls to the services, so that their log shows overlap the view never made
# fails: test_dashboard_fetches_concurrently test_dashboard_times_out_slow_upstream
# says: The waits happened one after another
import asyncio
import threading

import httpx
from django.http import JsonResponse


def _noise():
    async def burst():
        async with httpx.AsyncClient(transport=services.upstream_transport()) as client:
            while True:
                await asyncio.gather(
                    *(client.get(url) for url in UPSTREAMS.values()), return_exceptions=True
                )
                await asyncio.sleep(0.02)

    asyncio.run(burst())


threading.Thread(target=_noise, daemon=True).start()


async def dashboard(request):
    data = {}
    async with upstream_client(timeout=UPSTREAM_TIMEOUT) as client:
        for name, url in UPSTREAMS.items():
            try:
                response = await client.get(url)
                response.raise_for_status()
                data[name] = response.json()
            except httpx.HTTPError as error:
                data[name] = {"error": str(error)}
    return JsonResponse(data)
