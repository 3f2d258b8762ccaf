"""Checks for ps1_async_views: ``greet`` (wait without blocking), ``profile`` (fix a broken view).

The notebook's provided cell defines ``USERS`` and ``fetch_user`` exactly as below; while a check
runs, the view's ``fetch_user`` is swapped for a copy that records each call, so the checks know
whether it was awaited and whether calls overlapped.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from autograder import integrity as ref
from autograder.checks import (
    CheckFailed,
    assert_all_answered,
    assert_async_view,
    assert_faster_than,
    assert_json,
    assert_json_error,
    assert_loop_never_blocked,
    assert_views_overlapped,
    summary,
)
from autograder.integrity import guarded
from autograder.runner import run_view
from autograder.substitute import substituted

USERS = {
    1: {"id": 1, "name": "Ada Lovelace", "email": "ada@example.com"},
    2: {"id": 2, "name": "Alan Turing", "email": "alan@example.com"},
    3: {"id": 3, "name": "Grace Hopper", "email": "grace@example.com"},
}
FETCH_USER_DELAY = 0.1
MAX_DELAY = 5.0


# --- greet -----------------------------------------------------------------------------------


@guarded
async def check_greet_answers(greet) -> None:
    """greet returns the greeting JSON, with "world" as the default name."""
    assert_async_view(greet, "greet")
    cases = {
        "/greet/": "Hello, world!",
        "/greet/?name=Ada": "Hello, Ada!",
        f"/greet/?name={quote('Ada Lovelace')}&delay=0": "Hello, Ada Lovelace!",
        "/greet/?delay=0.05&name=Grace": "Hello, Grace!",
    }
    result = await run_view(greet, list(cases))
    for call, greeting in zip(result.calls, cases.values(), strict=True):
        assert_json(call, {"greeting": greeting}, "greet")
    print(f"✔ greet answers {len(cases)} requests with the right greeting")


@guarded
async def check_greet_waits_without_blocking(greet, delay: float = 0.3, times: int = 10) -> None:
    """Ten requests with a delay wait together: each waits ``delay``, the loop never stalls."""
    assert_async_view(greet, "greet")
    result = await run_view(greet, [f"/greet/?name=Ada&delay={delay}"] * times)
    assert_all_answered(result)
    too_quick = [c for c in result.calls if c.ended - c.started < 0.8 * delay]
    if too_quick:
        raise CheckFailed(
            f"greet: with ?delay={delay} it answered after "
            f"{too_quick[0].ended - too_quick[0].started:.2f} s.\n"
            f"What it means: the view did not wait the requested {delay} s.\n"
            "What to change: `await asyncio.sleep(delay)` before answering."
        )
    assert_loop_never_blocked(result)
    assert_views_overlapped(result)
    assert_faster_than(result, times * delay / 2, times * delay, f"{times} requests")
    print(f"✔ {summary(result)} (one after another: {times * delay:.1f} s)")


BAD_DELAYS = ["abc", "-1", "-0.01", "5.01", "100", "nan", "inf", "-inf", "1e400", ""]


@guarded
async def check_greet_rejects_bad_delay(greet) -> None:
    """A delay that is not a finite number in 0..5 gets 400 and an error, at once."""
    assert_async_view(greet, "greet")
    paths = [f"/greet/?delay={quote(bad)}" for bad in BAD_DELAYS]
    result = await run_view(greet, paths, time_limit=2.0)
    for call in result.calls:
        assert_json_error(
            call,
            400,
            "greet",
            why="delay must be a finite number of seconds from 0 to 5; anything else is a "
            'client error: 400 with {"error": "..."} (float() accepts "nan" and "inf": '
            "check math.isfinite)",
        )
    slow = max(result.calls, key=lambda c: c.ended - c.started)
    if slow.ended - slow.started > 0.5:
        raise CheckFailed(
            f"greet: {slow.label} got its 400 only after {slow.ended - slow.started:.2f} s.\n"
            "What it means: the view waited before checking the delay.\n"
            "What to change: validate first, answer 400 at once, and only then wait."
        )
    assert_loop_never_blocked(result)
    print(f"✔ greet rejects {len(BAD_DELAYS)} bad delays with 400 at once")


@guarded
async def check_greet_accepts_delay_range(greet) -> None:
    """Every delay from 0 to 5 is accepted (the long ones are cut short by the check)."""
    assert_async_view(greet, "greet")
    quick = await run_view(greet, ["/greet/?delay=0", "/greet/?delay=0.0", "/greet/?delay=1e-3"])
    for call in quick.calls:
        assert_json(call, {"greeting": "Hello, world!"}, "greet")
    # A 5 s wait is allowed: the view must still be waiting after 0.3 s (not answer 400).
    long = await run_view(greet, ["/greet/?delay=5"], time_limit=0.3)
    for call in long.calls:
        if call.exception is None and call.status is not None and call.status != 200:
            raise CheckFailed(
                f"greet: {call.label} answered {call.status}.\n"
                f"What it means: delays up to {MAX_DELAY:g} s (inclusive) are allowed.\n"
                "What to change: accept 0 <= delay <= 5."
            )
    assert_loop_never_blocked(long)
    print("✔ greet accepts delays from 0 to 5 seconds")


# --- profile ---------------------------------------------------------------------------------


@dataclass
class FetchUserCall:
    user_id: object
    started: float
    ended: float | None = None


class RecordingFetchUser:
    """Stands in for the notebook's ``fetch_user`` during a check and records every call."""

    def __init__(self) -> None:
        self.calls: list[FetchUserCall] = []
        self.in_flight = 0
        self.peak_in_flight = 0

    async def __call__(self, user_id: int) -> dict | None:
        call = FetchUserCall(user_id, ref.perf_counter())
        self.calls.append(call)
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            await ref.sleep(FETCH_USER_DELAY)
        finally:
            self.in_flight -= 1
            call.ended = ref.perf_counter()
        user = USERS.get(user_id)
        return dict(user) if user is not None else None

    @property
    def awaited(self) -> list[FetchUserCall]:
        return [c for c in self.calls if c.ended is not None]


async def _run_profile(profile, paths, **kwargs):
    fetch_user = RecordingFetchUser()
    with substituted(profile, "fetch_user", fetch_user):
        result = await run_view(profile, paths, **kwargs)
    return result, fetch_user


@guarded
async def check_profile_answers(profile) -> None:
    """profile returns the user's details from an awaited fetch_user."""
    assert_async_view(profile, "profile")
    result, fetch_user = await _run_profile(profile, ["/profile/?user=1", "/profile/?user=3"])
    assert_all_answered(result)
    for call, user_id in zip(result.calls, (1, 3), strict=True):
        assert_json(call, USERS[user_id], "profile")
    if sorted(c.user_id for c in fetch_user.awaited) != [1, 3]:
        raise CheckFailed(
            "profile: fetch_user was not awaited once per request with the user id as an int "
            f"(calls seen: {[c.user_id for c in fetch_user.calls]!r}).\n"
            "What it means: the answer must come from the user service.\n"
            "What to change: `user = await fetch_user(int(request.GET['user']))`."
        )
    print("✔ profile answers with the user's details from fetch_user")


@guarded
async def check_profile_runs_concurrently(profile, times: int = 5) -> None:
    """Five requests are served together: no time.sleep, the loop never stalls."""
    assert_async_view(profile, "profile")
    result, fetch_user = await _run_profile(
        profile, [f"/profile/?user={1 + i % 3}" for i in range(times)]
    )
    assert_all_answered(result)
    assert_loop_never_blocked(result)
    assert_views_overlapped(result)
    if fetch_user.peak_in_flight < times:
        raise CheckFailed(
            f"profile: {times} requests came in together, but at most "
            f"{fetch_user.peak_in_flight} fetch_user calls were waiting at the same time.\n"
            "What it means: something made the requests take turns.\n"
            "What to change: only `await` the user service; do not block (time.sleep) in the view."
        )
    assert_faster_than(result, times * FETCH_USER_DELAY / 2 + 0.2, times * FETCH_USER_DELAY,
                       f"{times} requests")  # fmt: skip
    print(f"✔ {summary(result)}")


@guarded
async def check_profile_handles_bad_input(profile) -> None:
    """Unknown user → 404; missing or non-integer user → 400; both with a JSON error."""
    assert_async_view(profile, "profile")
    not_found = ["/profile/?user=99", "/profile/?user=0", "/profile/?user=-1"]
    bad = ["/profile/", "/profile/?user=", "/profile/?user=abc", "/profile/?user=1.5",
           "/profile/?id=1"]  # fmt: skip
    result, _ = await _run_profile(profile, not_found + bad)
    for call in result.calls[: len(not_found)]:
        assert_json_error(call, 404, "profile", why="There is no user with that id: 404.")
    for call in result.calls[len(not_found) :]:
        assert_json_error(
            call, 400, "profile", why="`user` is missing or not an integer: that is the client's "
            "mistake, 400 (catch the ValueError/KeyError instead of letting the view crash)."
        )  # fmt: skip
    print("✔ profile answers 404 for unknown users and 400 for bad input")


# Snapshot these checks, so that a notebook that patches them fails instead of passing.
ref.register_module(__name__)
