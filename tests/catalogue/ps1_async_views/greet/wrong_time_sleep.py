# wrong: waits with time.sleep, which blocks the event loop
# fails: test_greet_waits_without_blocking test_greet_accepts_delay_range
# says: `time.sleep`
import math
import time

from django.http import JsonResponse


async def greet(request):
    try:
        delay = float(request.GET.get("delay", "0"))
    except ValueError:
        return JsonResponse({"error": "delay must be a number"}, status=400)
    if not math.isfinite(delay) or not 0 <= delay <= 5:
        return JsonResponse({"error": "delay out of range"}, status=400)
    time.sleep(delay)
    return JsonResponse({"greeting": f"Hello, {request.GET.get('name', 'world')}!"})
