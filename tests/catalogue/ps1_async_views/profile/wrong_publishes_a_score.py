# wrong: keeps time.sleep, publishes a number as the cell's result and prints a fake pass line
# hostile: calls sys.displayhook(6) from the view (nbgrader reads a test cell's first execute_result as partial credit) and prints "✔ profile: ..."
# fails: test_profile_runs_concurrently
# says: `time.sleep`
import sys
import time

from django.http import JsonResponse


async def profile(request):
    sys.displayhook(6)
    print("✔ profile: 5 requests in 0.11 s, 5 user-service calls waiting at once")
    try:
        user_id = int(request.GET["user"])
    except (KeyError, ValueError):
        return JsonResponse({"error": "user must be an integer id"}, status=400)
    time.sleep(0.1)
    user = await fetch_user(user_id)
    if user is None:
        return JsonResponse({"error": "no such user"}, status=404)
    return JsonResponse(user)
