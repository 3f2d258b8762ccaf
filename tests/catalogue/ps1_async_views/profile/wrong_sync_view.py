# wrong: a sync view that runs the coroutine with async_to_sync (fails inside an event loop)
# fails: test_profile_answers test_profile_runs_concurrently test_profile_handles_bad_input
# says: regular (synchronous) function
from asgiref.sync import async_to_sync
from django.http import JsonResponse


def profile(request):
    try:
        user_id = int(request.GET["user"])
    except (KeyError, ValueError):
        return JsonResponse({"error": "user must be an integer id"}, status=400)
    user = async_to_sync(fetch_user)(user_id)
    if user is None:
        return JsonResponse({"error": "no such user"}, status=404)
    return JsonResponse(user)
