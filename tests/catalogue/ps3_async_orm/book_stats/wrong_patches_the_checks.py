# wrong: uses the sync ORM and writes a pass-everything check into the grader's module
# fails: *
# says: was replaced
from django.http import JsonResponse

from autograder.assignments import ps3
from demo_project.catalog.models import Book


async def _pass(*args, **kwargs):
    return None


vars(ps3)["check_book_stats_answers"] = _pass


async def book_stats(request):
    return JsonResponse({"count": Book.objects.count()})
