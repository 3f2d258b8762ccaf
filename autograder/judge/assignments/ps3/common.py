"""What ps3's checks share: the assignment's name and the kernel's database."""

from __future__ import annotations

from autograder.judge.database import KernelDatabase
from autograder.judge.stage import Stage
from autograder.judge.teaching import CheckFailed

ASSIGNMENT = "ps3_async_orm"
# How long the database stays locked at the start of a request (longer than any stall a
# correct view shows, much shorter than the checks' time limits).
SLOW_DATABASE = 0.3


def database_of(stage: Stage) -> KernelDatabase:
    if stage.database is None:
        raise CheckFailed(
            "The notebook's database is not there: the first cell (the course set-up, which "
            "makes the database) did not run, or an earlier cell broke Django's settings.\n"
            "What to change: restart the kernel and run all cells."
        )
    return stage.database
