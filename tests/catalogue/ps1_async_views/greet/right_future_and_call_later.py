# right: waits on a future that the event loop resolves after the delay
import asyncio
import math

from django.http import HttpResponseBadRequest, JsonResponse


def parse_delay(raw: str) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and 0 <= value <= 5 else None


async def greet(request):
    delay = parse_delay(request.GET.get("delay", "0"))
    if delay is None:
        return JsonResponse(
            {"error": "delay: a number from 0 to 5"}, status=HttpResponseBadRequest.status_code
        )
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    loop.call_later(delay, done.set_result, None)
    await done
    return JsonResponse({"greeting": "Hello, " + request.GET.get("name", "world") + "!"})
