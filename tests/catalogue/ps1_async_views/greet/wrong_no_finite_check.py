# wrong: checks the range but not for nan (every comparison with nan is False, so it slips through)
# fails: test_greet_rejects_bad_delay
# says: delay=nan
# erratic: asyncio.sleep(nan) puts a NaN in the loop's heap of timers, where it fires at once or only after the latest other timer: a 200 or no answer in time, a failure either way
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
