"""Run one check and turn what happened into a verdict: passed with evidence, or failed, why."""

from __future__ import annotations

import asyncio
import time
import traceback
from dataclasses import dataclass

from autograder.judge.registry import Check
from autograder.judge.stage import Stage
from autograder.judge.teaching import CheckFailed

CHECK_TIME_LIMIT = 45.0  # under nbgrader's 60 s per cell, with room to stop the kernel serving


@dataclass(frozen=True)
class Verdict:
    grade_id: str
    passed: bool
    message: str  # the evidence line, or what failed and what to change
    seconds: float
    internal_error: bool = False


async def judge(spec: Check, stage: Stage, time_limit: float = CHECK_TIME_LIMIT) -> Verdict:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(time_limit):
            evidence = await spec.run(stage)
    except CheckFailed as failed:
        return Verdict(spec.grade_id, False, str(failed), time.perf_counter() - started)
    except TimeoutError:
        message = (
            f"{', '.join(spec.views) or 'the notebook'}: this test did not finish within "
            f"{time_limit:g} s.\nWhat it means: something waited for a very long time (or for "
            "ever), so the test gave up.\nWhat to change: look for a wait without a timeout, or "
            "a loop that never ends."
        )
        return Verdict(spec.grade_id, False, message, time.perf_counter() - started)
    except Exception:  # a bug of the judge's, never the student's fault: say so plainly
        text = traceback.format_exc(limit=8)
        message = (
            "The grader could not run this test (an error in the grader, not in your code). "
            "Tell your instructor; this is what the grader said:\n" + text
        )
        return Verdict(spec.grade_id, False, message, time.perf_counter() - started, True)
    return Verdict(spec.grade_id, True, evidence, time.perf_counter() - started)
