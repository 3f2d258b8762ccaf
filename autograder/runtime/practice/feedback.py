"""The feedback a question gives, as a small state machine (no widgets: unit-tested directly).

A student has ``tries`` attempts. A right answer ends the question; a wrong one explains the
mistake behind that option and shows the hint; after the last wrong try, or when the student asks,
the worked solution is shown. Once finished, further answers only repeat where things stand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autograder.runtime.practice.bank import Question, normalise

DEFAULT_TRIES = 2


@dataclass(frozen=True)
class Feedback:
    verdict: str  # "right" | "wrong" | "invalid" | "finished" | "solution"
    message: str
    hint: str = ""
    solution: tuple[str, ...] = ()

    @property
    def shows_solution(self) -> bool:
        return bool(self.solution)


@dataclass
class QuestionState:
    question: Question
    tries: int = DEFAULT_TRIES
    answers: list[str] = field(default_factory=list)
    solved: bool = False
    revealed: bool = False

    @property
    def tries_left(self) -> int:
        return max(0, self.tries - len(self.answers))

    @property
    def finished(self) -> bool:
        return self.solved or self.revealed or self.tries_left == 0

    def answer(self, choice: object) -> Feedback:
        q = self.question
        if self.finished:
            status = "solved" if self.solved else "finished"
            return Feedback("finished", f"This question is {status}.", solution=q.solution)
        option = normalise(choice)
        if option not in q.options:
            return Feedback("invalid", f"Choose one of {', '.join(q.options)}.")
        self.answers.append(option)
        if q.is_right(option):
            self.solved = True
            return Feedback("right", f"✔ Right: {option}.", solution=q.solution)
        message = f"✘ Not {option}. {q.mistakes.get(option, '')}".strip()
        if self.tries_left == 0:
            self.revealed = True
            return Feedback(
                "wrong", f"{message} The answer is {q.key()}.", hint=q.hint, solution=q.solution
            )
        tries = "try" if self.tries_left == 1 else "tries"
        return Feedback("wrong", f"{message} {self.tries_left} {tries} left.", hint=q.hint)

    def reveal(self) -> Feedback:
        """The worked solution, on request (the question then counts as finished)."""
        self.revealed = True
        return Feedback(
            "solution", f"The answer is {self.question.key()}.", solution=self.question.solution
        )
