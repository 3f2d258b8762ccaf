# wrong: waits, without blocking, but always the same half second whatever the delay asked
# fails: test_greet_waits_without_blocking
# says: did not wait the number of seconds
import asyncio
import math

from django.http import JsonResponse


async def greet(request):
    name = request.GET.get("name", "world")
    try:
        delay = float(request.GET.get("delay", "0"))
    except ValueError:
        return JsonResponse({"error": "delay must be a number of seconds"}, status=400)
    if not math.isfinite(delay) or not 0 <= delay <= 5:
        return JsonResponse({"error": "delay must be between 0 and 5 seconds"}, status=400)
    await asyncio.sleep(0.5 if delay else 0)
    return JsonResponse({"greeting": f"Hello, {name}!"})
