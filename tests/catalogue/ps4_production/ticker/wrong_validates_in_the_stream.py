# wrong: checks its input inside the generator: the 200 is sent before the error is found
# fails: test_ticker_rejects_bad_input
# says: it answered 200 and began a stream
import asyncio
import json

from django.http import StreamingHttpResponse


async def ticker(request):
    isbn = request.GET.get("isbn", "")
    count = request.GET.get("count", "")

    async def events():
        if not (len(isbn) == 13 and isbn.isdigit() and count.isdigit() and 1 <= int(count) <= 20):
            yield f"data: {json.dumps({'error': 'bad isbn or count'})}\n\n"
            return
        for number in range(int(count)):
            if number:
                await asyncio.sleep(TICK)
            price = await price_of(isbn)
            yield f"data: {json.dumps({'isbn': isbn, 'price': price})}\n\n"

    return StreamingHttpResponse(events(), content_type="text/event-stream")
