# wrong: answers 404 for a bad parameter; that is a client error, 400
# fails: test_profile_handles_bad_input
# says: expected 400
from django.http import JsonResponse


async def profile(request):
    raw = request.GET.get("user", "")
    user = await fetch_user(int(raw)) if raw.lstrip("-").isdigit() else None
    if user is None:
        return JsonResponse({"error": "no such user"}, status=404)
    return JsonResponse(user)
