"""Generate ``source/practice/practice.ipynb`` and its catalogue from the banks.

``python -m autograder practice build`` writes both; tests/test_practice_assignment.py fails when
the committed notebook (or catalogue) differs from what the banks generate. One answer cell per
lesson holds a dict of chosen options, one hidden test per question (1 point each).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from autograder.instructor.authoring import cells as authoring
from autograder.instructor.authoring.test_cells import test_cell_source
from autograder.instructor.paths import REPO, SOURCE
from autograder.judge.registry import find
from autograder.runtime.practice.bank import Bank, lesson_banks
from autograder.runtime.practice.render import question_markdown

ASSIGNMENT = "practice"
NOTEBOOK = SOURCE / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
CATALOGUE = REPO / "tests" / "catalogue" / ASSIGNMENT

INTRO = """\
# Practice set — every lesson's questions, graded

The questions of the lessons' *Quick check* sections, collected so your instructor can grade them.
For each lesson, fill in the dict in its answer cell: one option letter per question, e.g.
`"b"`. Then delete the line `raise NotImplementedError()` and run the cell.

* Every question is worth 1 point. Hidden tests check your choices after you hand in; a wrong
  choice is explained in your feedback (the mistake behind that option and a hint).
* In the lessons you can try each question with immediate feedback first (two tries each).
* Keep the dict's name and its keys: the tests look them up."""


def answer_name(bank: Bank) -> str:
    """``01_why_async`` -> ``why_async``: the answer cell's grade_id and its dict's name."""
    return bank.name.split("_", 1)[1]


def _template(bank: Bank, values: dict[str, str] | None = None) -> str:
    name = answer_name(bank)
    lines = [f"{name} = {{"]
    for question in bank.questions:
        value = None if values is None else values[question.id]
        shown = "None" if value is None else f'"{value}"'
        lines.append(f'    "{question.id}": {shown},')
    lines.append("}")
    return "\n".join(lines)


def answer_source(bank: Bank) -> str:
    """The source notebook's answer cell: the template, then the solution filling it in."""
    keys = "\n".join(
        f'{answer_name(bank)}["{q.id}"] = "{q.key()}"' for q in bank.questions
    )  # fmt: skip
    return f"{_template(bank)}\n### BEGIN SOLUTION\n{keys}\n### END SOLUTION"


def _test_source(bank: Bank, question_id: str) -> str:
    """The test cell of one question, as the judge's registry states it."""
    return test_cell_source(find(f"test_{answer_name(bank)}_{question_id}", ASSIGNMENT))


def build_notebook() -> nbformat.NotebookNode:
    cells = [authoring.markdown(INTRO, "intro")]
    for bank in lesson_banks():
        name = answer_name(bank)
        questions = "\n\n".join(
            question_markdown(i, q) for i, q in enumerate(bank.questions, 1)
        )  # fmt: skip
        setup = (
            f"The code snippets assume this set-up:\n\n```python\n{bank.setup.rstrip()}\n```\n\n"
            if bank.setup
            else ""
        )
        cells.append(authoring.markdown(
            f"## Lesson {bank.name[:2]} — {bank.title}\n\n{setup}{questions}\n\n"
            f"Your answers go in the dict `{name}` below.",
            f"{name}_questions",
        ))  # fmt: skip
        cells.append(authoring.answer(name, answer_source(bank)))
        for question in bank.questions:
            test_id = f"test_{name}_{question.id}"
            cells.append(authoring.test(test_id, _test_source(bank, question.id), 1))
    return authoring.notebook(cells)


def catalogue_files() -> dict[Path, str]:
    """Right and wrong answer cells for tests/catalogue/practice/ (2 right, 3 partly wrong)."""
    files = {}
    for bank in lesson_banks():
        name = answer_name(bank)
        folder = CATALOGUE / name
        keys = {q.id: q.key() for q in bank.questions}
        tests = [f"test_{name}_{q.id}" for q in bank.questions]

        def wrong_of(question):
            return next(o for o in question.options if not question.is_right(o))

        files[folder / "all_right.py"] = (
            f"# right: every key, in the template's dict\n{_template(bank, keys)}\n"
        )
        upper = {k: v.upper() for k, v in keys.items()}
        files[folder / "upper_case.py"] = (
            f'# right: upper-case letters ("B") count too\n{_template(bank, upper)}\n'
        )
        first = bank.questions[0]
        files[folder / "first_wrong.py"] = (
            f"# wrong: the first question answered with a wrong option\n"
            f"# fails: {tests[0]}\n# says: Why not {wrong_of(first)}\n"
            f"{_template(bank, {**keys, first.id: wrong_of(first)})}\n"
        )
        half = {q.id: (wrong_of(q) if i % 2 else keys[q.id]) for i, q in enumerate(bank.questions)}
        failing = " ".join(t for i, t in enumerate(tests) if i % 2)
        files[folder / "every_other_wrong.py"] = (
            f"# wrong: every other question wrong\n# fails: {failing}\n# says: Hint:\n"
            f"{_template(bank, half)}\n"
        )
        unanswered = {**keys, bank.questions[-1].id: None}
        files[folder / "last_unanswered.py"] = (
            f"# wrong: the last question left at None\n# fails: {tests[-1]}\n"
            f"# says: not answered\n{_template(bank, unanswered)}\n"
        )
    return files


def write() -> None:
    NOTEBOOK.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(build_notebook(), NOTEBOOK)
    shutil.rmtree(CATALOGUE, ignore_errors=True)
    for path, text in catalogue_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"{NOTEBOOK.relative_to(REPO)} and {CATALOGUE.relative_to(REPO)}/ generated")
