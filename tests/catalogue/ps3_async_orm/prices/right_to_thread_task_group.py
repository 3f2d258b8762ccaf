# right: asyncio.to_thread in a TaskGroup, KeyError caught in the thread; logs each lookup to stderr
import asyncio
import sys

from django.http import JsonResponse

from demo_project.catalog.legacy import legacy_price


def price_or_none(isbn):
    try:
        return format(legacy_price(isbn), "f")
    except KeyError:
        print(f"no price for {isbn}", file=sys.stderr)
        return None


async def prices(request):
    isbns = request.GET.getlist("isbn")
    if not isbns or len(isbns) > 10:
        return JsonResponse({"error": "between 1 and 10 isbn parameters, please"}, status=400)
    async with asyncio.TaskGroup() as group:
        tasks = {isbn: group.create_task(asyncio.to_thread(price_or_none, isbn)) for isbn in isbns}
    return JsonResponse({"prices": {isbn: task.result() for isbn, task in tasks.items()}})
