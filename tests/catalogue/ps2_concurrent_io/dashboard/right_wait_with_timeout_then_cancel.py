# right: asyncio.wait(tasks, timeout=UPSTREAM_TIMEOUT), then cancels what is still pending
import asyncio

from django.http import JsonResponse


async def dashboard(request):
    async with upstream_client() as client:
        tasks = {asyncio.create_task(client.get(url)): name for name, url in UPSTREAMS.items()}
        done, pending = await asyncio.wait(tasks, timeout=UPSTREAM_TIMEOUT)
        for task in pending:
            task.cancel()
    result = {}
    for task, name in tasks.items():
        if task in pending:
            result[name] = {"error": "too slow"}
        elif task.exception() is not None:
            result[name] = {"error": repr(task.exception())}
        elif task.result().is_error:
            result[name] = {"error": task.result().reason_phrase or "upstream error"}
        else:
            result[name] = task.result().json()
    return JsonResponse(result)
