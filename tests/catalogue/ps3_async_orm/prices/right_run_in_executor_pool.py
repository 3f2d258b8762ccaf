# right: loop.run_in_executor on a ThreadPoolExecutor of its own, gathered with return_exceptions
import asyncio
from concurrent.futures import ThreadPoolExecutor

from django.http import JsonResponse

from demo_project.catalog.legacy import legacy_price

legacy_pool = ThreadPoolExecutor(max_workers=10, thread_name_prefix="legacy-price")


async def prices(request):
    isbns = sorted(set(request.GET.getlist("isbn")))
    if len(request.GET.getlist("isbn")) not in range(1, 11):
        return JsonResponse({"error": "1 to 10 isbns"}, status=400)
    loop = asyncio.get_running_loop()
    results = await asyncio.gather(
        *(loop.run_in_executor(legacy_pool, legacy_price, isbn) for isbn in isbns),
        return_exceptions=True,
    )
    for result in results:
        if isinstance(result, Exception) and not isinstance(result, KeyError):
            raise result
    return JsonResponse(
        {
            "prices": {
                isbn: None if isinstance(result, KeyError) else str(result)
                for isbn, result in zip(isbns, results)
            }
        }
    )
