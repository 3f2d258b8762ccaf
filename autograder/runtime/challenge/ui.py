"""The challenge in JupyterLab: one box per problem with a countdown, attempts left and a badge.

Stable CSS classes for browser tests (Playwright: ``.challenge-submit`` etc.; ipywidgets puts them
on the widget's DOM node): ``challenge`` (whole widget), ``challenge-problem`` (one per problem,
in order), ``challenge-start``, ``challenge-options``, ``challenge-submit``,
``challenge-countdown``, ``challenge-attempts``, ``challenge-feedback``, ``challenge-difficulty``
(the problem's label: intermediate, advanced or expert), ``challenge-badge``,
``challenge-answers`` (the lines to copy into the graded cell), ``challenge-progress``,
``challenge-check-code`` (runs the coding task's checks on ``item_summary``) and
``challenge-code-feedback``.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
import weakref

from autograder.runtime.challenge.state import ChallengeState
from autograder.runtime.practice.render import question_html

TICK_SECONDS = 1.0
LIVE: weakref.WeakSet = weakref.WeakSet()  # the UIs shown in this kernel, refreshed together


def clock_text(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.999))  # 0.2 s left still shows 0:01
    return f"{seconds // 60}:{seconds % 60:02d}"


class ProblemView:
    def __init__(self, ui: ChallengeUI, number: int, pid: str) -> None:
        import ipywidgets as w

        self.ui, self.pid = ui, pid
        question = ui.state.question(pid)
        self.start = w.Button(description=f"Start problem {number}", button_style="info")
        self.options = w.RadioButtons(
            options=[
                (f"{key}) (the code above)" if "\n" in text else f"{key}) {text}", key)
                for key, text in question.options.items()
            ],
            value=None,
            layout=w.Layout(width="auto"),
        )
        self.submit = w.Button(description="Submit", button_style="primary")
        self.countdown = w.HTML()
        self.attempts = w.HTML()
        self.feedback = w.HTML()
        difficulty = ui.state.difficulty(pid)
        self.difficulty = w.HTML(
            f"<b>{html.escape(difficulty)}</b> · "
            f"{clock_text(ui.state.seconds_allowed(pid))} to answer&nbsp;·&nbsp;"
        )
        for widget, name in [
            (self.difficulty, "challenge-difficulty"),
            (self.start, "challenge-start"),
            (self.options, "challenge-options"),
            (self.submit, "challenge-submit"),
            (self.countdown, "challenge-countdown"),
            (self.attempts, "challenge-attempts"),
            (self.feedback, "challenge-feedback"),
        ]:
            widget.add_class(name)
        self.start.on_click(lambda _: self.on_start())
        self.submit.on_click(lambda _: self.on_submit())
        self.box = w.VBox(
            [
                w.HTML(f"<h4>Problem {number} of {len(ui.state.problems)}</h4>"),
                w.HBox([self.difficulty, self.countdown, self.attempts]),
                self.start,
                w.HTML(question_html(number, question)),
                self.options,
                self.submit,
                self.feedback,
            ]
        )
        self.box.add_class("challenge-problem")

    def on_start(self) -> None:
        self.ui.state.start(self.pid)
        self.ui.refresh()
        self.ui.ensure_ticking()

    def on_submit(self) -> None:
        attempt = self.ui.state.submit(self.pid, self.options.value)
        colour = "#1a7f37" if attempt.verdict == "right" else "#cf222e"
        text = html.escape(attempt.message)
        if attempt.verdict == "wrong" and attempt.attempts_left:
            text += f"<br><b>Hint:</b> {html.escape(self.ui.state.question(self.pid).hint)}"
        self.feedback.value = f'<span style="color:{colour}">{text}</span>'
        self.ui.refresh()

    def refresh(self) -> None:
        state = self.ui.state
        status = state.status(self.pid)
        left = state.seconds_left(self.pid)
        self.countdown.value = {
            "not_started": f"⏱ {clock_text(left)} once you press Start",
            "running": f"⏱ <b>{clock_text(left)}</b> left",
            "solved": "⏱ done",
            "failed": "⏱ done",
            "time_up": "⏱ <b>time is up</b>",
        }[status]
        if status == "solved":
            # "attempts left: 0" after a right second try would read like a penalty.
            used = state.attempts - state.attempts_left(self.pid)
            self.attempts.value = (
                f"&nbsp;·&nbsp;solved on attempt <b>{used}</b> of {state.attempts}"
            )
        else:
            self.attempts.value = (
                f"&nbsp;·&nbsp;attempts left: <b>{state.attempts_left(self.pid)}</b>"
                f" of {state.attempts}"
            )
        running = status == "running"
        self.start.disabled = status != "not_started"
        self.start.layout.display = None if status == "not_started" else "none"
        self.options.disabled = not running
        self.submit.disabled = not running
        if status == "solved" and not self.feedback.value:
            self.feedback.value = '<span style="color:#1a7f37">✔ Solved.</span>'
        elif status == "time_up" and "Time is up" not in self.feedback.value:
            self.feedback.value = '<span style="color:#cf222e">Time is up for this problem.</span>'


class ChallengeUI:
    def __init__(self, state: ChallengeState, check_view=None) -> None:
        import ipywidgets as w

        self.state = state
        self.check_view = check_view  # runs one of the grader's checks as a preview
        self.problems = [ProblemView(self, n, pid) for n, pid in enumerate(state.problems, 1)]
        self.progress = w.HTML()
        self.badge = w.HTML()
        self.answers = w.HTML()
        self.check_code = w.Button(description="Check my view", button_style="primary")
        self.code_feedback = w.HTML()
        self.check_code.add_class("challenge-check-code")
        self.code_feedback.add_class("challenge-code-feedback")
        self.check_code.on_click(lambda _: self._schedule(self.check_coding_task()))
        self.progress.add_class("challenge-progress")
        self.badge.add_class("challenge-badge")
        self.answers.add_class("challenge-answers")
        self.widget = w.VBox(
            [
                w.HTML(f"<h3>🏁 {html.escape(state.bank.title)}</h3>"),
                self.progress,
                *(p.box for p in self.problems),
                w.HTML(
                    "<h4>Coding task</h4>Write <code>item_summary</code> in its cell below, "
                    "run the cell, then check it here (as often as you like)."
                ),
                self.check_code,
                self.code_feedback,
                self.answers,
                self.badge,
            ]
        )
        self.widget.add_class("challenge")
        self._ticker: asyncio.Task | None = None
        LIVE.add(self)
        self.refresh()

    def refresh(self) -> None:
        for problem in self.problems:
            problem.refresh()
        state = self.state
        solved = sum(p.solved for p in state.problems.values())
        code = "✔ passes" if state.coding_passed else "not checked yet"
        self.progress.value = (
            f"Solved <b>{solved}</b> of {len(state.problems)} problems · coding task: {code}"
        )
        self.answers.value = (
            "<b>Copy your answers into the graded answer cell below:</b>"
            f"<pre>{html.escape(state.answer_lines(), quote=False)}</pre>"
        )
        self.badge.value = (
            '<div style="font-size:1.3em;padding:0.5em;border:2px solid #bf8700;'
            'border-radius:8px;display:inline-block">🏅 <b>Async Django Mastery</b> — '
            "every problem right, in time, and a working view</div>"
            if state.badge_earned
            else ""
        )
        self.badge.layout.display = None if state.badge_earned else "none"

    @staticmethod
    def _schedule(coroutine) -> asyncio.Task | None:
        """Run ``coroutine`` on the kernel's event loop (button callbacks are plain functions)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            try:
                loop = asyncio.get_event_loop()
            except RuntimeError:
                coroutine.close()
                return None
        return loop.create_task(coroutine)

    def ensure_ticking(self) -> None:
        """Update the countdowns every second while a problem is running (on the kernel's loop)."""
        if self._ticker is not None and not self._ticker.done():
            return
        if not any(self.state.status(pid) == "running" for pid in self.state.problems):
            return
        self._ticker = self._schedule(self._tick())

    async def check_coding_task(self, namespace: dict | None = None) -> bool:
        """Run the coding task's checks on ``item_summary`` (from the notebook) for the badge.

        The checks are the grader's, run as a preview by ``check_view`` (the notebook passes
        ``autograder.judge.preview.check``; this package cannot import the judge itself).
        """
        if namespace is None:
            from IPython import get_ipython

            shell = get_ipython()
            namespace = shell.user_ns if shell is not None else {}
        printed = io.StringIO()
        self.code_feedback.value = "Checking…"
        try:
            if self.check_view is None:
                raise AssertionError("the checks are not available in this kernel.")
            if namespace.get("item_summary") is None:
                raise AssertionError("item_summary is not defined yet: run its cell first.")
            with contextlib.redirect_stdout(printed):
                for grade_id in (
                    "test_item_summary_answers",
                    "test_item_summary_runs_concurrently",
                ):
                    await self.check_view(grade_id, namespace=namespace)
        except Exception as error:  # a failed check, or the student's view raising
            passed, text = False, f"✘ {error}"
        else:
            passed, text = True, printed.getvalue().strip()
        colour = "#1a7f37" if passed else "#cf222e"
        self.code_feedback.value = (
            f'<pre style="color:{colour};white-space:pre-wrap">{html.escape(text)}</pre>'
        )
        self.state.coding_passed = passed
        self.state.save()
        self.refresh()
        return passed

    async def _tick(self) -> None:
        while any(self.state.status(pid) == "running" for pid in self.state.problems):
            await asyncio.sleep(TICK_SECONDS)
            self.refresh()
        self.refresh()
