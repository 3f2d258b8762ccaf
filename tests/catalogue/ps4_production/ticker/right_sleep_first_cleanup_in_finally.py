# right: waits a TICK before each price (the first event after one TICK), notes the end in finally
import asyncio
import json

from django.http import JsonResponse, StreamingHttpResponse

open_streams = 0


async def ticker(request):
    isbn, count = request.GET.get("isbn", ""), request.GET.get("count", "")
    if not (len(isbn) == 13 and all(c in "0123456789" for c in isbn)):
        return JsonResponse({"error": "bad isbn"}, status=400)
    if not (count.isdigit() and count.isascii() and 1 <= int(count) <= 20):
        return JsonResponse({"error": "bad count"}, status=400)

    async def events():
        global open_streams
        open_streams += 1
        try:
            for _ in range(int(count)):
                await asyncio.sleep(TICK)
                price = await price_of(isbn)
                yield f"data: {json.dumps({'isbn': isbn, 'price': price})}\n\n"
        finally:
            open_streams -= 1

    return StreamingHttpResponse(events(), content_type="text/event-stream")
