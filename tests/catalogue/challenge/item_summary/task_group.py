# right: a TaskGroup runs both fetches
async def item_summary(request):
    item = request.GET.get("item") or "book"
    async with asyncio.TaskGroup() as group:
        price = group.create_task(fetch_price(item))
        stock = group.create_task(fetch_stock(item))
    return JsonResponse(
        {"item": item, "price": price.result()["price"], "stock": stock.result()["stock"]}
    )
