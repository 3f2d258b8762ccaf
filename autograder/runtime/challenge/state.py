"""The challenge's clock and attempts, kept in a JSON file next to the notebook.

Timers are stored as the wall-clock time each problem was started, so a restarted kernel (a new
process reading the file) shows the same time left; attempts are the answers given so far. Each
problem's countdown depends on its difficulty (``SECONDS_BY_DIFFICULTY``, as in the seed: 2:00
for intermediate, 3:00 for advanced and expert). The file is the student's own and can be edited:
it drives the widget and the badge, never the grade (nbgrader grades the answer cells).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.runtime.practice.bank import Bank, Question, normalise

STATE_FILE = "challenge_state.json"
# The challenge's difficulty labels, in order, and each one's countdown.
SECONDS_BY_DIFFICULTY = {"intermediate": 120.0, "advanced": 180.0, "expert": 180.0}
DIFFICULTIES = tuple(SECONDS_BY_DIFFICULTY)
ATTEMPTS_PER_PROBLEM = 2
VERSION = 1


@dataclass
class ProblemState:
    started_at: float | None = None
    answers: list[str] = field(default_factory=list)
    solved: bool = False


@dataclass(frozen=True)
class Attempt:
    verdict: (
        str  # "right" | "wrong" | "not_started" | "time_up" | "no_attempts" | "done" | "invalid"
    )
    message: str
    attempts_left: int
    seconds_left: float


class ChallengeState:
    """Problems' timers and attempts, saved to ``path`` after every change.

    ``seconds``: one countdown for every problem (tests use short ones); by default each
    problem gets the countdown of its difficulty.
    """

    def __init__(
        self,
        bank: Bank,
        path: Path,
        *,
        seconds: float | None = None,
        attempts: int = ATTEMPTS_PER_PROBLEM,
        clock=time.time,
    ) -> None:
        self.bank, self.path, self.clock = bank, Path(path), clock
        self.attempts = attempts
        self.limits = {
            q.id: float(seconds) if seconds is not None else SECONDS_BY_DIFFICULTY[q.difficulty]
            for q in bank.questions
        }
        self.problems = {q.id: ProblemState() for q in bank.questions}
        self.coding_passed = False
        self._load()

    # --- persistence --------------------------------------------------------------------------

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return
        except (OSError, ValueError):
            # A damaged file (an edit gone wrong) starts over rather than breaking the notebook.
            return
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return
        saved_limits = data.get("seconds_per_problem")
        if isinstance(saved_limits, (int, float)):  # a file from when every problem had one
            saved_limits = dict.fromkeys(self.limits, saved_limits)
        if isinstance(saved_limits, dict):
            for pid, seconds in saved_limits.items():
                if pid in self.limits and isinstance(seconds, (int, float)):
                    self.limits[pid] = float(seconds)
        self.attempts = int(data.get("attempts_per_problem", self.attempts))
        self.coding_passed = bool(data.get("coding_passed", False))
        for pid, saved in data.get("problems", {}).items():
            if pid in self.problems and isinstance(saved, dict):
                self.problems[pid] = ProblemState(
                    started_at=saved.get("started_at"),
                    answers=[str(a) for a in saved.get("answers", [])],
                    solved=bool(saved.get("solved", False)),
                )

    def save(self) -> None:
        data = {
            "version": VERSION,
            "seconds_per_problem": self.limits,
            "attempts_per_problem": self.attempts,
            "coding_passed": self.coding_passed,
            "problems": {pid: vars(p) for pid, p in self.problems.items()},
        }
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        temporary.write_text(json.dumps(data, indent=2) + "\n")
        os.replace(temporary, self.path)  # never a half-written file

    # --- one problem --------------------------------------------------------------------------

    def question(self, pid: str) -> Question:
        return self.bank.question(pid)

    def start(self, pid: str) -> None:
        problem = self.problems[pid]
        if problem.started_at is None:
            problem.started_at = self.clock()
            self.save()

    def difficulty(self, pid: str) -> str:
        return self.question(pid).difficulty

    def seconds_allowed(self, pid: str) -> float:
        return self.limits[pid]

    def seconds_left(self, pid: str) -> float:
        started = self.problems[pid].started_at
        if started is None:
            return self.limits[pid]
        return max(0.0, self.limits[pid] - (self.clock() - started))

    def attempts_left(self, pid: str) -> int:
        return max(0, self.attempts - len(self.problems[pid].answers))

    def status(self, pid: str) -> str:
        """not_started | running | solved | failed (out of attempts) | time_up"""
        problem = self.problems[pid]
        if problem.solved:
            return "solved"
        if problem.started_at is None:
            return "not_started"
        if self.attempts_left(pid) == 0:
            return "failed"
        if self.seconds_left(pid) <= 0:
            return "time_up"
        return "running"

    def submit(self, pid: str, choice: object) -> Attempt:
        status = self.status(pid)
        left, seconds = self.attempts_left(pid), self.seconds_left(pid)
        if status == "not_started":
            return Attempt("not_started", "Start the problem first.", left, seconds)
        if status == "solved":
            return Attempt("done", "Already solved.", left, seconds)
        if status == "failed":
            return Attempt("no_attempts", "No attempts left.", left, seconds)
        if status == "time_up":
            return Attempt("time_up", "Time is up for this problem.", left, seconds)
        question = self.question(pid)
        option = normalise(choice)
        if option not in question.options:
            return Attempt(
                "invalid", f"Choose one of {', '.join(question.options)}.", left, seconds
            )
        problem = self.problems[pid]
        problem.answers.append(option)
        problem.solved = question.is_right(option)
        self.save()
        left = self.attempts_left(pid)
        if problem.solved:
            return Attempt("right", f"✔ Right: {option}.", left, seconds)
        why = question.mistakes.get(option, "")
        more = f"{left} attempt left." if left == 1 else "No attempts left."
        return Attempt("wrong", f"✘ Not {option}. {why} {more}".strip(), left, seconds)

    # --- the whole challenge ------------------------------------------------------------------

    @property
    def all_solved(self) -> bool:
        return all(p.solved for p in self.problems.values())

    @property
    def badge_earned(self) -> bool:
        return self.all_solved and self.coding_passed

    def answer_lines(self) -> str:
        """What to copy into the graded answer cell: the last option chosen for each problem."""
        lines = []
        for number, pid in enumerate(self.problems, 1):
            answers = self.problems[pid].answers
            value = f'"{answers[-1]}"' if answers else "None"
            lines.append(f"answer_{number} = {value}")
        return "\n".join(lines)
