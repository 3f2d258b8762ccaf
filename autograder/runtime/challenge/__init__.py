"""The timed challenge "Async Django Mastery": five problems and a coding task.

In the notebook: ``from autograder.runtime.challenge import show_challenge; show_challenge()``.
The state (timers, attempts) lives in ``challenge_state.json`` next to the notebook; the grade
comes only from the answer cells (see autograder/judge/assignments/challenge.py).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from autograder.runtime.challenge.state import DIFFICULTIES, STATE_FILE, ChallengeState
from autograder.runtime.practice.bank import Bank, load_bank

FOLDER = Path(str(resources.files("autograder.runtime.challenge")))


@cache
def load_challenge() -> Bank:
    return load_bank("challenge", FOLDER, DIFFICULTIES)


def challenge_state(path: str | Path | None = None, **options) -> ChallengeState:
    """The state kept in ``path`` (default: challenge_state.json in the notebook's folder)."""
    return ChallengeState(load_challenge(), Path(path or Path.cwd() / STATE_FILE), **options)


def show_challenge(
    path: str | Path | None = None, *, widgets: bool | None = None, check_view=None, **options
):
    """Show the challenge: widgets in JupyterLab, its problems as text elsewhere."""
    from IPython.display import Markdown, display

    from autograder.runtime.challenge.ui import ChallengeUI
    from autograder.runtime.practice.render import _widgets_available, question_markdown

    state = challenge_state(path, **options)
    if not (_widgets_available() if widgets is None else widgets):
        from autograder.runtime.challenge.ui import clock_text

        problems = "\n\n".join(
            f"#### Problem {n} of {len(state.problems)} · {state.difficulty(pid)} · "
            f"{clock_text(state.seconds_allowed(pid))} to answer\n\n"
            + question_markdown(n, state.question(pid))
            for n, pid in enumerate(state.problems, 1)
        )
        display(Markdown(f"### {load_challenge().title}\n\n{problems}"))
        return None
    ui = ChallengeUI(state, check_view)
    display(ui.widget)
    ui.ensure_ticking()
    return None


__all__ = ["challenge_state", "load_challenge", "show_challenge"]
