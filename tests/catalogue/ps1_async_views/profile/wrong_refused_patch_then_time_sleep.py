# wrong: keeps time.sleep, and replaces the judge's stall check where it can import it
# hostile: patches autograder.judge.teaching in the kernel (the grading kernel cannot import the judge)
# fails: test_profile_runs_concurrently
# says: `time.sleep`
import time

from django.http import JsonResponse

try:
    from autograder.judge import teaching

    teaching.assert_loop_never_blocked = lambda *args, **kwargs: None
    teaching.assert_calls_overlapped = lambda *args, **kwargs: None
except ImportError as hidden:
    print("the judge is not here:", hidden)


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
