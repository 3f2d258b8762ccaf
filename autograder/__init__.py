"""Grading helpers for Async Django, Hands-On, used by the notebooks' test cells and by tests/.

``integrity`` is imported first, so that the clocks and asyncio functions the checks use are the
ones that existed before any student cell ran (the notebook's set-up cell imports this package).
"""

from autograder import integrity  # noqa: I001  (must come first: it takes the references)
from autograder import checks, loop_watch, runner, substitute, upstream
from autograder.runtime import bootstrap
from autograder.checks import (
    CheckFailed,
    assert_all_answered,
    assert_answered,
    assert_async_view,
    assert_faster_than,
    assert_json,
    assert_json_error,
    assert_loop_never_blocked,
    assert_status,
    assert_upstream_calls_overlapped,
    assert_views_overlapped,
    summary,
)
from autograder.integrity import GradingTampered, verify_intact
from autograder.loop_watch import LoopStallDetector
from autograder.runner import ViewCall, ViewRun, build_request, run_once, run_view, try_view
from autograder.substitute import substituted
from autograder.upstream import Failure, FakeUpstream, Route, UpstreamCall


__all__ = [
    "CheckFailed",
    "Failure",
    "FakeUpstream",
    "GradingTampered",
    "LoopStallDetector",
    "Route",
    "UpstreamCall",
    "ViewCall",
    "ViewRun",
    "assert_all_answered",
    "assert_answered",
    "assert_async_view",
    "assert_faster_than",
    "assert_json",
    "assert_json_error",
    "assert_loop_never_blocked",
    "assert_status",
    "assert_upstream_calls_overlapped",
    "assert_views_overlapped",
    "build_request",
    "run_once",
    "run_view",
    "substituted",
    "summary",
    "try_view",
    "verify_intact",
]

_MODULES = (integrity, bootstrap, checks, loop_watch, runner, substitute, upstream)
for _module_name in (*(m.__name__ for m in _MODULES), __name__):
    integrity.register_module(_module_name)
