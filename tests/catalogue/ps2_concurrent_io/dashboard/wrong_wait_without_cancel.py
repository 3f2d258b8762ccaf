# wrong: stops waiting after UPSTREAM_TIMEOUT with asyncio.wait but never cancels the slow call
# fails: test_dashboard_times_out_slow_upstream
# says: went on for
import asyncio

from django.http import JsonResponse


async def dashboard(request):
    client = upstream_client()
    tasks = {name: asyncio.create_task(client.get(url)) for name, url in UPSTREAMS.items()}
    await asyncio.wait(tasks.values(), timeout=UPSTREAM_TIMEOUT)
    data = {}
    for name, task in tasks.items():
        if not task.done():
            data[name] = {"error": "timed out"}
        elif task.exception() is not None:
            data[name] = {"error": str(task.exception())}
        elif task.result().is_error:
            data[name] = {"error": f"status {task.result().status_code}"}
        else:
            data[name] = task.result().json()
    return JsonResponse(data)
