"""practice: one check per question of every lesson's bank, the answer read from the notebook.

Every answer cell defines a dict ``{question id: chosen option}`` for one lesson's bank. A wrong
choice fails with the mistake behind that option and the hint, never with the key itself: the
feedback teaches without handing out the answer to the next student.
"""

from __future__ import annotations

from autograder.judge.registry import check
from autograder.judge.stage import Stage
from autograder.judge.teaching import CheckFailed
from autograder.runtime.practice.bank import lesson_banks, normalise

ASSIGNMENT = "practice"


def answer_name(bank) -> str:
    """``01_why_async`` -> ``why_async``: the answer cell's grade_id and its dict's name."""
    return bank.name.split("_", 1)[1]


def _question_check(bank, question) -> None:
    name = answer_name(bank)

    async def run(stage: Stage) -> str:
        found = (await stage.values([name])).get(name, {})
        where = f"{name}[{question.id!r}]"
        if not found.get("defined"):
            raise CheckFailed(
                f"{name} is not defined.\nWhat to change: run (and complete) the answer cell that "
                f"starts with `{name} = {{`, then delete its `raise NotImplementedError()` line."
            )
        answers = found.get("json")
        if not isinstance(answers, dict):
            raise CheckFailed(
                f"{name} should be a dict of question id -> option, not "
                f"{answers if 'json' in found else found.get('repr')!r}."
            )
        choice = answers.get(question.id)
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
        return f"{bank.name} / {question.id}: right"

    run.__doc__ = f"{bank.name}: the option chosen for {question.id} is right."
    check(ASSIGNMENT, f"test_{name}_{question.id}", 1, values=[name], hidden=True)(run)


for _bank in lesson_banks():
    for _question in _bank.questions:
        _question_check(_bank, _question)
