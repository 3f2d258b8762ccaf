# wrong: `return await JsonResponse(...)`: a response is not awaitable
# fails: test_profile_answers test_profile_runs_concurrently
# says: not awaitable
from django.http import JsonResponse


async def profile(request):
    try:
        user_id = int(request.GET["user"])
    except (KeyError, ValueError):
        return JsonResponse({"error": "user must be an integer id"}, status=400)
    user = await fetch_user(user_id)
    if user is None:
        return JsonResponse({"error": "no such user"}, status=404)
    return await JsonResponse(user)
