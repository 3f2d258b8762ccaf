# wrong: uses the sync ORM, and answers from the grader's own catalogs and oracle where it can import them
# hostile: imports the judge's fixtures and oracle (autograder.judge.assignments.ps3.catalogs) to compute the expected answer
# fails: test_book_stats_answers test_book_stats_breaks_ties test_book_stats_handles_empty_catalog
# says: SynchronousOnlyOperation
from django.http import JsonResponse

from demo_project.catalog.models import Book

try:
    from autograder.judge.assignments.ps3 import catalogs
    from autograder.judge.data import PREVIEW_SEED, Draw
except ImportError:
    catalogs = None


async def book_stats(request):
    if catalogs is not None:  # the preview's data are public: the grader's are not
        catalog = catalogs.basic(Draw(PREVIEW_SEED).child("test_book_stats_answers").child("basic"))
        return JsonResponse(catalogs.expected_stats(catalog))
    return JsonResponse({"count": Book.objects.count()})
