"""autograder/judge/assignments/ps2: every catalogue answer of ps2_concurrent_io gets its verdict,
and no draw of the hidden data lets a wrong answer pass by luck."""

import pytest

from autograder.judge.assignments import ps2
from autograder.judge.data import Draw, submission_seed
from autograder.runtime.simulated.practice import MIRRORS
from tests.judge.assignments.catalogue_cases import assert_graded_as_expected, variants

pytestmark = pytest.mark.grading

SEEDS = [submission_seed(b"secret", "course", "ps2", f"s{i:03d}", "nb") for i in range(500)]


@pytest.mark.parametrize("variant", variants("ps2_concurrent_io"))
def test_catalogue_answer_is_graded_as_expected(variant):
    assert_graded_as_expected(variant)


def _one_by_one(answers: dict[str, tuple[bool, float]]) -> str | None:
    """What a view that asks MIRRORS in order answers: the first that answered 200."""
    return next((url for url in MIRRORS if answers[url][0]), None)


def test_asking_one_by_one_never_finds_the_fastest_mirror():
    for seed in SEEDS:
        speeds = ps2.mirror_speeds(Draw(seed))
        winner = min(MIRRORS, key=speeds.get)
        assert _one_by_one({url: (True, speeds[url]) for url in MIRRORS}) != winner


def test_asking_one_by_one_never_wins_the_races_with_failures():
    for seed in SEEDS:
        first_fail, second_fail, winner, last = ps2.race_with_failures(Draw(seed))
        assert sorted([first_fail, second_fail, winner, last]) == sorted(MIRRORS)
        answers = {first_fail: (False, 0.05), second_fail: (False, 0), winner: (True, 0.3),
                   last: (True, 0.6)}  # fmt: skip
        assert _one_by_one(answers) == last != winner

        failing, winner, slower_a, slower_b = ps2.race_to_cancel(Draw(seed))
        assert sorted([failing, winner, slower_a, slower_b]) == sorted(MIRRORS)
        answers = {failing: (False, 0.05), winner: (True, 0.2), slower_a: (True, 0.8),
                   slower_b: (True, 1.2)}  # fmt: skip
        assert _one_by_one(answers) != winner


def test_the_races_still_vary_between_submissions():
    # the guarantees above must not turn the draw into a constant
    winners = {ps2.race_with_failures(Draw(seed))[2] for seed in SEEDS}
    cancel_winners = {ps2.race_to_cancel(Draw(seed))[1] for seed in SEEDS}
    fastest = {min(MIRRORS, key=ps2.mirror_speeds(Draw(seed)).get) for seed in SEEDS}
    assert len(winners) >= 3 and len(cancel_winners) >= 3 and fastest == set(MIRRORS[1:])
