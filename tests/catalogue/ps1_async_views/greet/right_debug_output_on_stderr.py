# right: a correct view that prints debugging lines to stdout and stderr and logs a warning
import asyncio
import logging
import math
import sys

from django.http import JsonResponse

log = logging.getLogger("greet")


async def greet(request):
    print("greet called with", dict(request.GET))
    raw = request.GET.get("delay", "0")
    try:
        delay = float(raw)
    except ValueError:
        delay = math.nan
    if not (math.isfinite(delay) and 0 <= delay <= 5):
        print(f"rejecting delay={raw!r}", file=sys.stderr)
        log.warning("bad delay %r", raw)
        return JsonResponse({"error": f"bad delay: {raw!r}"}, status=400)
    await asyncio.sleep(delay)
    return JsonResponse({"greeting": f"Hello, {request.GET.get('name', 'world')}!"})
