# wrong: calls fetch_user without await, so `user` is a coroutine object
# fails: test_profile_answers test_profile_runs_concurrently test_profile_handles_bad_input
# says: without `await`
from django.http import JsonResponse


async def profile(request):
    try:
        user_id = int(request.GET["user"])
    except (KeyError, ValueError):
        return JsonResponse({"error": "user must be an integer id"}, status=400)
    user = fetch_user(user_id)
    if user is None:
        return JsonResponse({"error": "no such user"}, status=404)
    return JsonResponse(user)
