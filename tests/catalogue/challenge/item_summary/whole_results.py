# wrong: puts the whole service answers in the JSON
# fails: test_item_summary_answers
async def item_summary(request):
    item = request.GET.get("item", "book")
    price, stock = await asyncio.gather(fetch_price(item), fetch_stock(item))
    return JsonResponse({"item": item, "price": price, "stock": stock})
