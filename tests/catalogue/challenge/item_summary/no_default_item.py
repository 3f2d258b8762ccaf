# wrong: request.GET["item"] fails without ?item=
# fails: test_item_summary_answers
async def item_summary(request):
    item = request.GET["item"]
    price, stock = await asyncio.gather(fetch_price(item), fetch_stock(item))
    return JsonResponse({"item": item, "price": price["price"], "stock": stock["stock"]})
