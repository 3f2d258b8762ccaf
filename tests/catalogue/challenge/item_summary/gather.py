# right: both fetches gathered
async def item_summary(request):
    """Price and stock of ?item= (default "book"), fetched concurrently."""
    item = request.GET.get("item", "book")
    price, stock = await asyncio.gather(fetch_price(item), fetch_stock(item))
    return JsonResponse({"item": item, "price": price["price"], "stock": stock["stock"]})
