# right: wraps the call in a task and awaits it (more than needed, but correct)
import asyncio

from django.http import JsonResponse


async def profile(request):
    try:
        user_id = int(request.GET.get("user"))
    except (TypeError, ValueError):
        return JsonResponse({"error": "user must be an integer id"}, status=400)
    user = await asyncio.create_task(fetch_user(user_id))
    return (
        JsonResponse(user)
        if user is not None
        else JsonResponse({"error": "no such user"}, status=404)
    )
