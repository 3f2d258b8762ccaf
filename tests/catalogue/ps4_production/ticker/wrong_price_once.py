# wrong: asks for the price once and repeats it in every event
# fails: test_ticker_streams_events
# says: every event needs a fresh price
import asyncio
import json
import re

from django.http import JsonResponse, StreamingHttpResponse


async def ticker(request):
    isbn = request.GET.get("isbn", "")
    count = request.GET.get("count", "")
    if not re.fullmatch(r"[0-9]{13}", isbn):
        return JsonResponse({"error": "isbn must be 13 digits"}, status=400)
    if not re.fullmatch(r"[0-9]{1,2}", count) or not 1 <= int(count) <= 20:
        return JsonResponse({"error": "count must be from 1 to 20"}, status=400)
    price = await price_of(isbn)

    async def events():
        for number in range(int(count)):
            if number:
                await asyncio.sleep(TICK)
            yield f"data: {json.dumps({'isbn': isbn, 'price': price})}\n\n"

    return StreamingHttpResponse(events(), content_type="text/event-stream")
