# right: a producer task fills an asyncio.Queue; the generator yields from it and cancels it in finally
import asyncio
import json

from django.http import JsonResponse, StreamingHttpResponse


def bad_request(message):
    return JsonResponse({"error": message}, status=400)


async def ticker(request):
    isbn = request.GET.get("isbn", "")
    if len(isbn) != 13 or not isbn.isascii() or not isbn.isdigit():
        return bad_request("isbn: 13 digits, please")
    try:
        count = int(request.GET["count"])
    except (KeyError, ValueError):
        return bad_request("count must be a whole number")
    if not 1 <= count <= 20:
        return bad_request("count must be from 1 to 20")

    async def produce(queue: asyncio.Queue):
        for _ in range(count):
            await queue.put(await price_of(isbn))
            await asyncio.sleep(TICK)

    async def events():
        queue = asyncio.Queue()
        producer = asyncio.create_task(produce(queue))
        try:
            for _ in range(count):
                price = await queue.get()
                yield "data: " + json.dumps({"isbn": isbn, "price": price}) + "\n\n"
        finally:
            producer.cancel()  # the client left, or the stream is done: no more lookups

    return StreamingHttpResponse(events(), content_type="text/event-stream")
