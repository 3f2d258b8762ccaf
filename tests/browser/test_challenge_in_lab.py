"""The timed challenge in JupyterLab: its widgets count down and keep attempts, and remember both
across a kernel restart; the badge shows once every problem and the coding task are right."""

import re

import pytest

from autograder.instructor.catalogue import load
from autograder.instructor.paths import REPO
from tests.browser.jupyterlab import (
    PANEL,
    code_cell,
    open_notebook,
    restart_kernel,
    run_cell,
    screenshot,
    type_into_cell,
)

NOTEBOOK = "release/challenge/challenge.ipynb"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not (REPO / NOTEBOOK).exists(), reason=f"no {NOTEBOOK} yet"),
]


def right_answers() -> dict[int, str]:
    """{problem number: right option} from the catalogue's all-right answer cell."""
    source = next(v.source for v in load("challenge")["answers"] if v.name == "all_right")
    return {int(n): key for n, key in re.findall(r'answer_(\d) = "(\w)"', source)}


def show_challenge(page):
    """Run the set-up cell and the challenge cell; returns the challenge widget."""
    run_cell(page, code_cell(page, "setup_notebook()"))
    run_cell(page, code_cell(page, "show_challenge(check_view"))
    challenge = page.locator(f"{PANEL} .challenge")
    challenge.wait_for()
    return challenge


def problem(challenge, number: int):
    return challenge.locator(".challenge-problem").filter(has_text=f"Problem {number} of ")


def wait_for_text(locator, pattern: str, timeout: float = 20_000) -> str:
    """Wait until the element's text matches ``pattern`` (widgets update from the kernel)."""
    locator.page.wait_for_function(
        "([e, p]) => new RegExp(p).test(e.textContent)",
        arg=[locator.element_handle(), pattern],
        timeout=timeout,
    )
    return locator.text_content()


def answer(problem_box, option: str) -> None:
    problem_box.get_by_role("radio", name=re.compile(rf"^{option}\)")).check()
    problem_box.get_by_role("button", name="Submit").click()


def test_challenge_counts_down_keeps_attempts_and_awards_the_badge(page, lab, workspace):
    state_file = lab.root / "release" / "challenge" / "challenge_state.json"
    state_file.unlink(missing_ok=True)
    right = right_answers()
    open_notebook(page, lab, NOTEBOOK, workspace)
    challenge = show_challenge(page)
    first = problem(challenge, 1)
    assert "attempts left: 2 of 2" in first.locator(".challenge-attempts").text_content()

    # Start: the countdown runs.
    first.get_by_role("button", name="Start problem 1").click()
    countdown = first.locator(".challenge-countdown")
    shown = wait_for_text(countdown, r"\d:\d\d left")
    wait_for_text(countdown, rf"^(?!{re.escape(shown)}$).*\d:\d\d left")  # it moved on

    # A wrong answer uses an attempt; then the right one solves the problem.
    wrong = next(key for key in "abcd" if key != right[1])
    answer(first, wrong)
    wait_for_text(first.locator(".challenge-attempts"), "attempts left: 1 of 2")
    answer(first, right[1])
    wait_for_text(first.locator(".challenge-countdown"), "done")
    attempts = first.locator(".challenge-attempts").text_content()
    assert "solved on attempt 2 of 2" in attempts

    # After a kernel restart, the re-run challenge remembers the attempts and the solved problem.
    restart_kernel(page)
    challenge = show_challenge(page)
    first = problem(challenge, 1)
    wait_for_text(challenge.locator(".challenge-progress"), "Solved 1 of")
    assert first.locator(".challenge-attempts").text_content() == attempts
    assert "done" in first.locator(".challenge-countdown").text_content()
    assert not challenge.locator(".challenge-badge").is_visible()

    # The other problems, then the coding task: the badge appears.
    for number, key in right.items():
        if number == 1:
            continue
        box = problem(challenge, number)
        box.get_by_role("button", name=f"Start problem {number}").click()
        wait_for_text(box.locator(".challenge-countdown"), r"\d:\d\d left")
        answer(box, key)
        wait_for_text(box.locator(".challenge-countdown"), "done")
    gathered = next(v.source for v in load("challenge")["item_summary"] if v.name == "gather")
    task = code_cell(page, "async def item_summary(request)", "raise NotImplementedError()")
    type_into_cell(page, task, gathered)
    run_cell(page, code_cell(page, "async def fetch_price(item)"))  # the given services
    run_cell(page, code_cell(page, "asyncio.gather(fetch_price(item)"))
    challenge.get_by_role("button", name="Check my view").click()
    badge = challenge.locator(".challenge-badge")
    badge.wait_for(state="visible", timeout=60_000)
    assert "Async Django Mastery" in badge.text_content()
    badge.scroll_into_view_if_needed()
    screenshot(page, "4-challenge-badge")
    assert state_file.exists(), "the challenge keeps its counts next to the notebook"
