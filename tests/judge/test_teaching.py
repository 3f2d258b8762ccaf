"""autograder/judge/teaching: what a stall of each kind is allowed before the view fails."""

import pytest

from autograder.judge import teaching


def _fails(stall: float, what: str) -> bool:
    try:
        teaching.assert_loop_never_blocked(stall, "view", 5, what=what)
    except teaching.CheckFailed as error:
        assert "the event loop was blocked" in str(error)
        return True
    return False


@pytest.mark.parametrize(
    ("stall", "what", "fails"),
    [
        (0.05, "asleep (time.sleep)", False),
        (0.15, "asleep (time.sleep)", True),  # a blocking call keeps the tight limit
        (0.15, "waiting for a socket (a blocking client)", True),
        (0.4, teaching.COMPUTING, False),  # a saturated loop on a busy machine, not a block
        (0.6, teaching.COMPUTING, True),  # a long CPU loop on the loop's thread
        (2.0, teaching.COMPUTING, True),
    ],
)
def test_each_kind_of_stall_has_its_limit(stall, what, fails):
    assert _fails(stall, what) is fails
