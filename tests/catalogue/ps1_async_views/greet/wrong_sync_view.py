# wrong: a plain def view
# fails: test_greet_answers test_greet_waits_without_blocking
# fails: test_greet_rejects_bad_delay test_greet_accepts_delay_range
# says: regular (synchronous) function
import time

from django.http import JsonResponse


def greet(request):
    time.sleep(float(request.GET.get("delay", "0")))
    return JsonResponse({"greeting": f"Hello, {request.GET.get('name', 'world')}!"})
