# wrong: a TaskGroup whose tasks let errors escape: one failure cancels the others and the view
# fails: test_dashboard_reports_failed_upstreams test_dashboard_times_out_slow_upstream
# says: ExceptionGroup
# says: took the whole dashboard down
import asyncio

from django.http import JsonResponse


async def fetch(client, url):
    async with asyncio.timeout(UPSTREAM_TIMEOUT):
        response = await client.get(url)
    response.raise_for_status()
    return response.json()


async def dashboard(request):
    async with upstream_client() as client, asyncio.TaskGroup() as group:
        tasks = {name: group.create_task(fetch(client, url)) for name, url in UPSTREAMS.items()}
    return JsonResponse({name: task.result() for name, task in tasks.items()})
