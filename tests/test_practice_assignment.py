"""source/practice/ is generated from the banks, and its checks explain without giving keys away."""

import pytest

from autograder.instructor import notebook_cells as cells
from autograder.instructor.authoring import practice_notebook as assignment
from autograder.instructor.catalogue import read_notebook
from autograder.judge.preview import check
from autograder.judge.teaching import CheckFailed
from autograder.runtime.practice.bank import lesson_banks, load_bank
from tests.conftest import run


def _comparable(nb):
    return [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells], dict(nb.metadata)


def test_committed_practice_notebook_is_what_the_banks_generate():
    committed = read_notebook(assignment.NOTEBOOK)
    assert _comparable(committed) == _comparable(assignment.build_notebook()), (
        "source/practice/ is out of date: run `python -m autograder practice build`, then "
        "`python -m autograder release`"
    )


def test_committed_practice_catalogue_is_what_the_banks_generate():
    expected = assignment.catalogue_files()
    committed = {p: p.read_text() for p in assignment.CATALOGUE.rglob("*.py")}
    assert committed == expected, "run `python -m autograder practice build`"


def test_one_test_per_question_and_one_answer_cell_per_lesson():
    nb = read_notebook(assignment.NOTEBOOK)
    tests = [c for c in nb.cells if cells.is_test(c)]
    answers = [c for c in nb.cells if cells.is_answer(c)]
    banks = lesson_banks()
    assert len(answers) == len(banks) >= 8
    assert len(tests) == sum(len(bank.questions) for bank in banks)
    assert all(t.metadata.nbgrader["points"] == 1 for t in tests)


def _check(namespace):
    run(check("test_async_orm_sync_first_in_async", namespace=namespace))


def test_check_passes_a_right_choice_in_any_case(capsys):
    _check({"async_orm": {"sync_first_in_async": "B"}})
    assert "right" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("namespace", "says"),
    [
        ({}, "async_orm is not defined"),
        ({"async_orm": ["b"]}, "should be a dict"),
        ({"async_orm": {"sync_first_in_async": None}}, "not answered"),
        ({"async_orm": {"sync_first_in_async": "z"}}, "not answered"),
        ({"async_orm": {"sync_first_in_async": "a"}}, "That is what happens in sync code"),
    ],
)
def test_check_explains_what_is_wrong(namespace, says):
    with pytest.raises(CheckFailed) as failed:
        _check(namespace)
    assert says in str(failed.value)
    key = load_bank("04_async_orm").question("sync_first_in_async").answer
    assert f"answer is {key}" not in str(failed.value), "the key is not given away"
