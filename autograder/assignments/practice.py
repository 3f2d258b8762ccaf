"""Checks for the ``practice`` assignment: one test per question, the answer read from the banks.

Every answer cell defines a dict ``{question id: chosen option}`` for one lesson's bank. A wrong
choice fails with the mistake behind that option and the hint, never with the key itself: the
feedback teaches without handing out the answer to the next student.
"""

from __future__ import annotations

from autograder import integrity as ref
from autograder.checks import CheckFailed
from autograder.integrity import guarded
from autograder.runtime.practice.bank import lesson_banks, normalise


def _bank_of(name: str):
    """The lesson bank whose answer dict is ``name`` (``why_async`` -> ``01_why_async``)."""
    return next(bank for bank in lesson_banks() if bank.name.split("_", 1)[1] == name)


@guarded
def check(name: str, question_id: str, namespace: dict) -> None:
    """The option chosen for ``question_id`` in the notebook's dict ``name`` is right."""
    bank = _bank_of(name).name
    question = _bank_of(name).question(question_id)
    answers = namespace.get(name)
    where = f"{name}[{question_id!r}]"
    if answers is None:
        raise CheckFailed(
            f"{name} is not defined.\nWhat to change: run (and complete) the answer cell that "
            f"starts with `{name} = {{`, then delete its `raise NotImplementedError()` line."
        )
    if not isinstance(answers, dict):
        raise CheckFailed(f"{name} should be a dict of question id -> option, not {answers!r}.")
    choice = answers.get(question_id)
    option = normalise(choice)
    if option is None or option not in question.options:
        raise CheckFailed(
            f"{where} is {choice!r}: not answered.\n"
            f"What to change: set it to one of {', '.join(repr(o) for o in question.options)}."
        )
    if not question.is_right(option):
        raise CheckFailed(
            f"{where} = {option!r} is not right ({question.difficulty}: {question.prompt})\n"
            f"Why not {option}: {question.mistakes[option]}\nHint: {question.hint}"
        )
    print(f"✔ {bank} / {question_id}: right")


# Snapshot these checks, so that a notebook that patches them fails instead of passing.
ref.register_module(__name__)
