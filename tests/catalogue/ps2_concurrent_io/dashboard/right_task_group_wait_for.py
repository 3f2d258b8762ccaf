# right: a TaskGroup of helpers that use asyncio.wait_for and raise_for_status inside a try
import asyncio

import httpx
from django.http import JsonResponse


async def fetch_one(client, url):
    try:
        response = await asyncio.wait_for(client.get(url), timeout=UPSTREAM_TIMEOUT)
        response.raise_for_status()
    except TimeoutError:
        return {"error": "timed out"}
    except httpx.HTTPStatusError as error:
        return {"error": f"status {error.response.status_code}"}
    except httpx.RequestError as error:
        return {"error": str(error) or error.__class__.__name__}
    return response.json()


async def dashboard(request):
    async with upstream_client() as client, asyncio.TaskGroup() as group:
        tasks = {name: group.create_task(fetch_one(client, url)) for name, url in UPSTREAMS.items()}
    return JsonResponse({name: task.result() for name, task in tasks.items()})
