# wrong: a synchronous generator with time.sleep: Django runs it to the end in a thread first
# fails: test_ticker_first_event_within_a_tick test_ticker_stops_when_client_leaves
# says: must consume synchronous iterators
import json
import re
import time

from asgiref.sync import async_to_sync
from django.http import JsonResponse, StreamingHttpResponse


async def ticker(request):
    isbn = request.GET.get("isbn", "")
    count = request.GET.get("count", "")
    if not re.fullmatch(r"[0-9]{13}", isbn):
        return JsonResponse({"error": "isbn must be 13 digits"}, status=400)
    if not re.fullmatch(r"[0-9]{1,2}", count) or not 1 <= int(count) <= 20:
        return JsonResponse({"error": "count must be from 1 to 20"}, status=400)

    def events():
        for _ in range(int(count)):
            price = async_to_sync(price_of)(isbn)
            yield f"data: {json.dumps({'isbn': isbn, 'price': price})}\n\n"
            time.sleep(TICK)

    return StreamingHttpResponse(events(), content_type="text/event-stream")
