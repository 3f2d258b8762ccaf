# right: checks the parameter by hand, logs through the logging module (to stderr)
import logging

from django.http import JsonResponse

logger = logging.getLogger("profile")


async def profile(request):
    raw = request.GET.get("user", "").strip()
    digits = raw[1:] if raw.startswith("-") else raw
    if not digits.isdecimal():
        logger.warning("bad user parameter %r", raw)
        return JsonResponse({"error": "?user= must be an integer"}, status=400)
    user = await fetch_user(int(raw))
    if not user:
        return JsonResponse({"error": "user not found"}, status=404)
    return JsonResponse(user, status=200)
