# wrong: int() of a missing or non-numeric parameter raises instead of answering 400
# fails: test_profile_handles_bad_input
# says: ValueError
from django.http import JsonResponse


async def profile(request):
    user_id = int(request.GET.get("user", ""))
    user = await fetch_user(user_id)
    if user is None:
        return JsonResponse({"error": "no such user"}, status=404)
    return JsonResponse(user)
