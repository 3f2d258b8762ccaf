# right: parses the id, awaits fetch_user, maps None to 404 (the model answer)
from django.http import JsonResponse


async def profile(request):
    try:
        user_id = int(request.GET["user"])
    except (KeyError, ValueError):
        return JsonResponse({"error": "user must be an integer id"}, status=400)
    user = await fetch_user(user_id)
    if user is None:
        return JsonResponse({"error": f"no user with id {user_id}"}, status=404)
    return JsonResponse(user)
