# wrong: rejects delay=5, which the exercise allows
# fails: test_greet_accepts_delay_range
# says: delays up to 5 s (inclusive) are allowed
import asyncio
import math

from django.http import JsonResponse


async def greet(request):
    try:
        delay = float(request.GET.get("delay", "0"))
    except ValueError:
        return JsonResponse({"error": "delay must be a number"}, status=400)
    if not math.isfinite(delay) or not 0 <= delay < 5:
        return JsonResponse({"error": "delay out of range"}, status=400)
    await asyncio.sleep(delay)
    return JsonResponse({"greeting": f"Hello, {request.GET.get('name', 'world')}!"})
