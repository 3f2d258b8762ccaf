"""The common first cell configures Django in a real kernel, the way the lessons rely on."""

import pytest

from autograder.instructor.authoring.cells import code, notebook
from tests.kernel import errors, execute, stream

pytestmark = [pytest.mark.grading, pytest.mark.slow]

CELLS = [
    # 1: an async view awaited in a cell through RequestFactory
    """
from django.http import JsonResponse
from django.test import RequestFactory

async def hello(request):
    return JsonResponse({"hello": request.GET.get("name", "world")})

response = await hello(RequestFactory().get("/", {"name": "Ada"}))
print(response.status_code, response.content.decode())
""",
    # 2: the sync ORM in a cell is refused: the kernel runs an event loop
    """
from demo_project.catalog.models import Book
Book.objects.count()
""",
    # 3: the async ORM works, on a migrated database
    """
print("books:", await Book.objects.acount())
""",
    # 4: a 404 through the whole stack: django.request logs it, but not on stderr
    """
from django.test import AsyncClient
response = await AsyncClient().get("/api/books/999999/")
print(response.status_code)
""",
    # 5: the safety check was not switched off, and the cell may run again
    """
import os
from autograder.runtime.bootstrap import setup_notebook
setup_notebook(quiet=True)
print("unsafe:", os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE"))
""",
]


@pytest.fixture(scope="module")
def executed():
    return execute(notebook([code(source.strip()) for source in CELLS]))


def test_bootstrap_cell_prints_where_django_is_and_nothing_on_stderr(executed):
    setup = executed.cells[0]
    assert errors(setup) == [] and stream(setup, "stderr") == ""
    assert "demo_project settings" in stream(setup, "stdout")


def test_async_view_is_awaited_in_a_cell(executed):
    assert stream(executed.cells[1], "stdout") == '200 {"hello": "Ada"}\n'


def test_sync_orm_in_a_cell_raises_synchronous_only_operation(executed):
    (error,) = errors(executed.cells[2])
    assert error.ename == "SynchronousOnlyOperation"
    assert error.evalue == (
        "You cannot call this from an async context - use a thread or sync_to_async."
    )


def test_async_orm_reads_the_migrated_database(executed):
    assert stream(executed.cells[3], "stdout") == "books: 0\n"


def test_request_log_goes_to_stdout_not_stderr(executed):
    cell = executed.cells[4]
    assert errors(cell) == [] and stream(cell, "stderr") == ""
    assert "Not Found: /api/books/999999/" in stream(cell, "stdout")
    assert stream(cell, "stdout").endswith("404\n")


def test_bootstrap_is_idempotent_and_keeps_the_safety_check(executed):
    cell = executed.cells[5]
    assert errors(cell) == []
    assert stream(cell, "stdout") == "unsafe: None\n"
