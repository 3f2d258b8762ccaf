# wrong: fixes the await mistakes but keeps the time.sleep
# fails: test_profile_runs_concurrently
# says: `time.sleep`
import time

from django.http import JsonResponse


async def profile(request):
    try:
        user_id = int(request.GET["user"])
    except (KeyError, ValueError):
        return JsonResponse({"error": "user must be an integer id"}, status=400)
    time.sleep(0.1)
    user = await fetch_user(user_id)
    if user is None:
        return JsonResponse({"error": "no such user"}, status=404)
    return JsonResponse(user)
