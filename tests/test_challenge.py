"""The timed challenge: proven keys, timers and attempts that survive a restart, the widget's logic,
the notebook generated from the problems, and a real kernel driving the widget."""

import asyncio
import dataclasses
import json
import subprocess
import sys
import textwrap

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.instructor.authoring import challenge_notebook as assignment
from autograder.instructor.authoring.verify_practice import verify_bank, verify_question
from autograder.instructor.catalogue import read_notebook
from autograder.instructor.paths import REPO
from autograder.runtime.challenge import challenge_state, load_challenge, show_challenge
from autograder.runtime.challenge import ui as challenge_ui
from autograder.runtime.challenge.state import SECONDS_BY_DIFFICULTY
from autograder.runtime.practice.bank import answer_hash

KEYS = {"concept": "c", "orm_behaviour": "b", "async_syntax": "d", "debugging": "a",
        "predict_output": "c"}  # fmt: skip
# As in the seed: intermediate problems get 2:00, advanced and expert ones 3:00.
DIFFICULTY = {"concept": "intermediate", "orm_behaviour": "intermediate",
              "async_syntax": "advanced", "debugging": "advanced",
              "predict_output": "expert"}  # fmt: skip


class FakeClock:
    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


def test_five_problems_of_the_kinds_the_issue_asks_for():
    bank = load_challenge()
    assert [q.id for q in bank.questions] == list(KEYS)
    assert {q.key() for q in bank.questions} == set("abcd"), "keys are not all one letter"
    assert all(q.answer is None and q.answer_sha256 for q in bank.questions), "keys are hashed"
    assert {q.id: q.difficulty for q in bank.questions} == DIFFICULTY
    assert all(len(q.options) == 4 for q in bank.questions)


def test_the_seeds_problems_are_there_with_their_true_keys():
    bank = load_challenge()
    # seed 004, problem 2: what `await` does on .afirst() (the query runs in a worker thread)
    assert "afirst()" in bank.question("orm_behaviour").code
    assert "worker thread" in bank.question("orm_behaviour").options["b"]
    # problem 3: def or async def around an awaited afirst()
    syntax = bank.question("async_syntax").options
    assert syntax["d"].startswith("async def") and "await" in syntax["d"]
    assert syntax["a"].startswith("def ") and "await" in syntax["a"]
    # problem 5: .first() and .afirst() in one view: SynchronousOnlyOperation on the first line
    mixed = bank.question("predict_output")
    assert ".first()" in mixed.code and ".afirst()" in mixed.code
    assert "SynchronousOnlyOperation" in mixed.options["c"] and "first line" in mixed.options["c"]


def test_challenge_keys_are_what_the_code_really_does():
    bank = load_challenge()
    verdicts = verify_bank(bank)
    assert len(verdicts) == 5  # every problem runs its code, the concept one too
    assert all(v.proven for v in verdicts), [v.explain() for v in verdicts if not v.proven]
    assert {q.id: q.key() for q in bank.questions} == KEYS


def test_a_wrong_hashed_key_fails_verification():
    bank = load_challenge()
    question = bank.question("predict_output")
    wrong = dataclasses.replace(question, answer_sha256=answer_hash("challenge", question.id, "b"))
    verdict = verify_question(wrong, bank.setup)
    assert not verdict.proven and verdict.matching == {"c"}
    assert "SynchronousOnlyOperation on line 1 of the view" in verdict.explain()


def test_committed_challenge_notebook_is_what_the_problems_generate():
    committed = read_notebook(assignment.NOTEBOOK)

    def comparable(nb):
        return [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells]

    assert comparable(committed) == comparable(assignment.build_notebook()), (
        "run `python -m autograder practice build`, then `python -m autograder release`"
    )


# --- state: timers and attempts ---------------------------------------------------------------


def _state(tmp_path, clock=None, **options):
    return challenge_state(tmp_path / "challenge_state.json", clock=clock or FakeClock(), **options)


def test_a_problem_must_be_started_and_then_counts_down(tmp_path):
    clock = FakeClock()
    state = _state(tmp_path, clock)
    assert state.status("concept") == "not_started" and state.seconds_left("concept") == 120
    assert state.submit("concept", "c").verdict == "not_started"
    assert not (tmp_path / "challenge_state.json").exists(), "nothing is written before Start"
    state.start("concept")
    clock.now += 100
    assert state.status("concept") == "running" and state.seconds_left("concept") == 20
    clock.now += 60
    assert state.status("concept") == "time_up" and state.seconds_left("concept") == 0
    assert state.submit("concept", "c").verdict == "time_up"
    assert not state.problems["concept"].solved


def test_the_countdown_depends_on_the_difficulty(tmp_path):
    assert SECONDS_BY_DIFFICULTY == {"intermediate": 120, "advanced": 180, "expert": 180}
    clock = FakeClock()
    state = _state(tmp_path, clock)
    assert {pid: state.seconds_allowed(pid) for pid in KEYS} == {
        pid: SECONDS_BY_DIFFICULTY[label] for pid, label in DIFFICULTY.items()
    }
    for pid in ("concept", "debugging", "predict_output"):
        state.start(pid)
    clock.now += 150
    assert state.status("concept") == "time_up"
    assert state.status("debugging") == "running" and state.seconds_left("debugging") == 30
    assert state.submit("predict_output", "c").verdict == "right"
    saved = json.loads((tmp_path / "challenge_state.json").read_text())
    assert saved["seconds_per_problem"]["concept"] == 120
    assert saved["seconds_per_problem"]["predict_output"] == 180


def test_a_state_file_from_before_the_difficulties_keeps_its_one_countdown(tmp_path):
    """A file written when every problem had 150 s still reads (and keeps its clock)."""
    path = tmp_path / "challenge_state.json"
    path.write_text(json.dumps({
        "version": 1, "seconds_per_problem": 150, "attempts_per_problem": 2,
        "coding_passed": False,
        "problems": {"concept": {"started_at": 1_000_000.0, "answers": ["a"], "solved": False}},
    }))  # fmt: skip
    state = challenge_state(path, clock=FakeClock(1_000_100.0))
    assert state.seconds_left("concept") == 50 and state.attempts_left("concept") == 1
    assert state.seconds_allowed("predict_output") == 150


def test_two_attempts_then_no_more(tmp_path):
    state = _state(tmp_path)
    state.start("debugging")
    first = state.submit("debugging", "b")
    assert (
        first.verdict == "wrong" and first.attempts_left == 1 and "1 attempt left" in first.message
    )
    assert state.submit("debugging", "x").verdict == "invalid", "a non-option costs nothing"
    second = state.submit("debugging", "c")
    assert second.verdict == "wrong" and second.attempts_left == 0
    assert state.status("debugging") == "failed"
    assert state.submit("debugging", "a").verdict == "no_attempts"
    assert "answer" not in second.message.lower().replace("attempts", ""), "the key stays hidden"


def test_right_answer_solves_and_badge_needs_everything(tmp_path):
    state = _state(tmp_path)
    for pid, key in KEYS.items():
        state.start(pid)
        assert state.submit(pid, key.upper()).verdict == "right"
    assert state.all_solved and not state.badge_earned
    state.coding_passed = True
    assert state.badge_earned
    assert state.answer_lines().splitlines()[0] == 'answer_1 = "c"'


def test_a_restarted_kernel_keeps_timers_and_attempts(tmp_path):
    """A new process (what a kernel restart is) reads the file and carries on where it was."""
    path = tmp_path / "challenge_state.json"
    clock = FakeClock(now=2_000_000.0)
    state = challenge_state(path, clock=clock)
    state.start("concept")
    state.submit("concept", "a")
    clock.now += 40
    state.start("async_syntax")
    script = textwrap.dedent(f"""
        from autograder.runtime.challenge import challenge_state
        state = challenge_state({str(path)!r}, clock=lambda: {clock.now + 30!r})
        print(state.attempts_left("concept"), round(state.seconds_left("concept")),
              state.status("concept"), round(state.seconds_left("async_syntax")),
              state.status("orm_behaviour"))
        state.submit("concept", "c")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=REPO, timeout=60, check=True)  # fmt: skip
    # concept (intermediate, 120 s) was started 70 s ago; async_syntax (advanced, 180 s) 30 s ago.
    assert result.stdout.split() == ["1", "50", "running", "150", "not_started"]
    again = challenge_state(path, clock=FakeClock(clock.now + 31))
    assert again.problems["concept"].solved and again.problems["concept"].answers == ["a", "c"]


def test_a_damaged_state_file_starts_over_instead_of_breaking(tmp_path):
    (tmp_path / "challenge_state.json").write_text("{not json")
    assert _state(tmp_path).status("concept") == "not_started"
    (tmp_path / "challenge_state.json").write_text(json.dumps({"version": 99}))
    assert _state(tmp_path).status("concept") == "not_started"


# --- the widget -------------------------------------------------------------------------------


def test_widget_classes_buttons_and_badge(tmp_path):
    clock = FakeClock()
    ui = challenge_ui.ChallengeUI(_state(tmp_path, clock))
    first = ui.problems[0]
    assert "challenge" in ui.widget._dom_classes
    for widget, name in [(first.start, "challenge-start"), (first.submit, "challenge-submit"),
                         (first.countdown, "challenge-countdown"),
                         (first.attempts, "challenge-attempts"), (ui.badge, "challenge-badge"),
                         (ui.check_code, "challenge-check-code")]:  # fmt: skip
        assert name in widget._dom_classes
    assert first.submit.disabled and first.options.disabled and "2:00" in first.countdown.value
    first.start.click()
    assert not first.submit.disabled and "<b>2:00</b> left" in first.countdown.value
    clock.now += 61
    ui.refresh()
    assert "<b>0:59</b> left" in first.countdown.value
    first.options.value = "a"
    first.submit.click()
    assert "Not a" in first.feedback.value and "Hint" in first.feedback.value
    assert "<b>1</b> of 2" in first.attempts.value
    first.options.value = "c"
    first.submit.click()
    assert "Right" in first.feedback.value and first.submit.disabled
    assert 'answer_1 = "c"' in ui.answers.value and ui.badge.layout.display == "none"


def test_every_problem_shows_its_difficulty_and_its_countdown(tmp_path):
    ui = challenge_ui.ChallengeUI(_state(tmp_path))
    for problem in ui.problems:
        label = DIFFICULTY[problem.pid]
        assert "challenge-difficulty" in problem.difficulty._dom_classes
        assert f"<b>{label}</b>" in problem.difficulty.value
        minutes = "2:00" if label == "intermediate" else "3:00"
        assert f"{minutes} to answer" in problem.difficulty.value
        assert f"{minutes} once you press Start" in problem.countdown.value


def test_the_text_form_shows_each_problems_difficulty(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda item: shown.append(item.data))
    show_challenge(tmp_path / "challenge_state.json", widgets=False)
    text = shown[0]
    for number, (pid, label) in enumerate(DIFFICULTY.items(), 1):
        minutes = "2:00" if label == "intermediate" else "3:00"
        assert f"#### Problem {number} of 5 · {label} · {minutes} to answer" in text, pid


def test_countdown_reaches_zero_and_locks_the_problem(tmp_path):
    clock = FakeClock()
    ui = challenge_ui.ChallengeUI(_state(tmp_path, clock, seconds=2))
    ui.problems[1].start.click()
    clock.now += 5
    ui.refresh()
    assert "time is up" in ui.problems[1].countdown.value and ui.problems[1].submit.disabled


def test_ticker_updates_the_countdown_and_stops_when_time_is_up(tmp_path, monkeypatch):
    monkeypatch.setattr(challenge_ui, "TICK_SECONDS", 0.01)
    clock = FakeClock()

    async def scenario():
        ui = challenge_ui.ChallengeUI(_state(tmp_path, clock, seconds=1))
        ui.problems[0].on_start()  # starts the ticker on the running loop
        assert ui._ticker is not None and not ui._ticker.done()
        clock.now += 2
        await asyncio.wait_for(ui._ticker, 1)
        return ui

    ui = asyncio.run(scenario())
    assert "time is up" in ui.problems[0].countdown.value


def _catalogue_view(name):
    namespace = {}
    setup = assignment.FETCHERS
    source = (
        REPO / "tests" / "catalogue" / "challenge" / "item_summary" / f"{name}.py"
    ).read_text()
    exec(compile(setup + "\n" + source, f"<{name}>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize(("view", "passes"), [("gather", True), ("one_after_another", False)])
def test_check_my_view_button_records_the_coding_task(tmp_path, view, passes):
    state = _state(tmp_path)
    for pid, key in KEYS.items():
        state.start(pid)
        state.submit(pid, key)
    from autograder.judge.preview import check

    ui = challenge_ui.ChallengeUI(state, check_view=check)
    assert asyncio.run(ui.check_coding_task(_catalogue_view(view))) is passes
    assert ("✔" in ui.code_feedback.value) is passes
    assert ui.badge.layout.display == (None if passes else "none")
    assert challenge_state(state.path).coding_passed is passes, "saved for the next kernel"


# --- a real kernel ----------------------------------------------------------------------------


@pytest.mark.slow
def test_released_challenge_in_a_kernel_with_simulated_clicks_and_a_restart(tmp_path):
    """The released notebook runs in a kernel; clicks are simulated; a new kernel keeps them."""
    release = read_notebook(REPO / "release" / "challenge" / "challenge.ipynb")
    drive = nbformat.v4.new_code_cell(
        textwrap.dedent("""\
        from autograder.runtime.challenge.ui import LIVE
        ui = next(iter(LIVE))
        problem = ui.problems[3]
        problem.start.click()
        problem.options.value = "b"
        problem.submit.click()
        print("feedback:", problem.feedback.value)
        print("attempts:", problem.attempts.value)""")
    )
    nb = release.copy()
    nb.cells = [*release.cells, drive]
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()  # fmt: skip
    widget_cell = next(c for c in nb.cells if "show_challenge(" in c.source)
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for o in widget_cell.outputs)  # fmt: skip
    for cell in nb.cells:
        for output in cell.outputs if cell.cell_type == "code" else []:
            assert output.output_type != "stream" or output.name != "stderr", output.text
            if output.output_type == "error":
                assert output.ename == "NotImplementedError", (output.ename, cell.source)
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert "Not b" in printed and "<b>1</b> of 2" in printed
    saved = json.loads((tmp_path / "challenge_state.json").read_text())
    assert saved["problems"]["debugging"]["answers"] == ["b"]
    # "Restart the kernel": a fresh kernel on the same folder shows the same attempts and clock.
    check = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                textwrap.dedent("""\
        from autograder.runtime.challenge import show_challenge
        show_challenge()
        from autograder.runtime.challenge.ui import LIVE
        ui = next(iter(LIVE))
        print(ui.problems[3].attempts.value, "|", ui.problems[3].countdown.value, "|",
              0 < ui.state.seconds_left("debugging") < 180)""")
            )
        ]
    )
    NotebookClient(check, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()  # fmt: skip
    text = "".join(o.get("text", "") for o in check.cells[0].outputs)
    attempts, countdown, clock_kept = text.split("|")
    assert "<b>1</b> of 2" in attempts and "left" in countdown and clock_kept.strip() == "True"
