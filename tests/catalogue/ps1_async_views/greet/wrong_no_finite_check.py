# wrong: checks the range but not for nan (every comparison with nan is False, so it slips through)
# fails: test_greet_rejects_bad_delay
# says: delay=nan
import asyncio

from django.http import JsonResponse


async def greet(request):
    try:
        delay = float(request.GET.get("delay", "0"))
    except ValueError:
        return JsonResponse({"error": "delay must be a number"}, status=400)
    if delay < 0 or delay > 5:
        return JsonResponse({"error": "delay out of range"}, status=400)
    await asyncio.sleep(delay)
    return JsonResponse({"greeting": f"Hello, {request.GET.get('name', 'world')}!"})
