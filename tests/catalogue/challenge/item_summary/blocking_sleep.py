# wrong: a blocking sleep before fetching
# fails: test_item_summary_runs_concurrently
# says: blocked
async def item_summary(request):
    import time

    time.sleep(0.3)
    item = request.GET.get("item", "book")
    price, stock = await asyncio.gather(fetch_price(item), fetch_stock(item))
    return JsonResponse({"item": item, "price": price["price"], "stock": stock["stock"]})
