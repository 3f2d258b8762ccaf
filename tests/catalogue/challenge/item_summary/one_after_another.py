# wrong: awaits the price, then the stock
# fails: test_item_summary_runs_concurrently
# says: did not overlap
async def item_summary(request):
    item = request.GET.get("item", "book")
    price = await fetch_price(item)
    stock = await fetch_stock(item)
    return JsonResponse({"item": item, "price": price["price"], "stock": stock["stock"]})
