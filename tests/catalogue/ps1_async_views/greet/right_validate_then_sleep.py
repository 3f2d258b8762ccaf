# right: validates the delay first, then awaits asyncio.sleep (the model answer)
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
    await asyncio.sleep(delay)
    return JsonResponse({"greeting": f"Hello, {name}!"})
