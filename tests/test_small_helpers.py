"""try_view, StripCellTags and the notebook cleaner: small helpers with big consequences."""

import asyncio

import nbformat
import pytest
from django.http import JsonResponse

from autograder.instructor.nbgrader.strip_cell_tags import StripCellTags
from autograder.runtime import try_view
from tests.conftest import run

pytestmark = pytest.mark.grading


async def fetch_user(user_id):
    await asyncio.sleep(0)
    return {"id": user_id}


async def forgetful(request):
    user = fetch_user(1)
    return JsonResponse(user)


async def chatty(request):
    print("hello from the view")
    return JsonResponse({"ok": True}, status=201)


def test_try_view_prints_the_error_and_the_never_awaited_warning(capsys):
    run(try_view(forgetful, "/profile/?user=1"))
    out, err = capsys.readouterr()
    assert "GET /profile/?user=1 raised TypeError" in out
    assert "coroutine 'fetch_user' was never awaited" in out
    assert err == ""


def test_try_view_prints_status_body_and_the_view_output(capsys):
    run(try_view(chatty, "/x/", json_body={"a": 1}))
    out, _ = capsys.readouterr()
    assert "  hello from the view" in out
    assert 'POST /x/ -> 201 {"ok": true}' in out


def test_strip_cell_tags_removes_every_tag():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("1", metadata={"tags": ["skip-execution"]}),
            nbformat.v4.new_markdown_cell("x", metadata={"tags": ["raises-exception", "x"]}),
            nbformat.v4.new_code_cell("2"),
        ]
    )
    stripped, _ = StripCellTags().preprocess(nb, {})
    assert [cell.metadata.get("tags") for cell in stripped.cells] == [None, None, None]


def test_clean_notebooks_strips_what_jupyterlab_adds_and_keeps_the_rest(tmp_path):
    import nbformat

    from autograder.instructor import clean_notebooks
    from autograder.instructor.authoring.cells import NOTEBOOK_METADATA, answer, notebook

    clean = notebook([answer("greet", "async def greet(request): ...")])
    path = tmp_path / "worked_on.ipynb"
    dirty = nbformat.from_dict(clean)
    dirty.metadata["widgets"] = {"state": {}}
    dirty.cells[1].metadata["scrolled"] = True
    dirty.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    dirty.cells[1].execution_count = 3
    nbformat.write(dirty, path)

    assert clean_notebooks.main([str(path)]) == 1  # changed: the commit stops
    cleaned = nbformat.read(path, as_version=4)
    assert cleaned.metadata == NOTEBOOK_METADATA
    assert cleaned.cells[1].outputs == [] and cleaned.cells[1].execution_count is None
    assert cleaned.cells[1].metadata == clean.cells[1].metadata  # nbgrader's metadata kept
    assert clean_notebooks.main([str(path)]) == 0  # and a clean notebook is left alone
