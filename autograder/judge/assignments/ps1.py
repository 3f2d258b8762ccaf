"""ps1_async_views: ``greet`` (wait without blocking) and ``profile`` (fix a broken view).

Hidden data, drawn per submission: the names greeted, the delays, the bad delays, and the user
service's users (ids, names, e-mail addresses). The notebook's provided ``fetch_user`` calls the
user service at ``https://users.example/users/<id>``; the judge serves it, so it sees every call,
with its id, and which calls were waiting at the same time.
"""

from __future__ import annotations

import math
import statistics
from urllib.parse import quote, urlencode

from autograder.judge.registry import check
from autograder.judge.stage import Stage
from autograder.judge.teaching import (
    assert_async_view,
    assert_calls_overlapped,
    assert_faster_than,
    assert_json,
    assert_json_error,
    assert_loop_never_blocked,
    assert_no_unawaited,
    assert_status,
    teaching_failure,
)
from autograder.runtime.simulated.practice import USER_DELAY, USER_SERVICE, user_answer
from autograder.runtime.simulated.services import Route

ASSIGNMENT = "ps1_async_views"
MAX_DELAY = 5.0


def _greet_path(**query) -> str:
    return "/greet/" + (f"?{urlencode(query)}" if query else "")


def _all_answered(run, view: str, status: int = 200) -> None:
    assert_no_unawaited(run.warnings, view, run.replies)
    for reply in run.replies:
        assert_status(reply, status, view)


# --- greet -----------------------------------------------------------------------------------


@check(ASSIGNMENT, "test_greet_answers", 1, views=["greet"])
async def greet_answers(stage: Stage) -> str:
    """greet answers {"greeting": "Hello, <name>!"}, with "world" when no name is given."""
    assert_async_view(await stage.kind("greet"), "greet")
    draw = stage.draw
    names = [draw.person(), draw.choice(["Zoë", "Søren", "Ayşe", "Joaquín"]), draw.word().title()]
    cases = {
        _greet_path(): "Hello, world!",
        _greet_path(name=names[0]): f"Hello, {names[0]}!",
        _greet_path(name=names[1], delay="0"): f"Hello, {names[1]}!",
        _greet_path(delay=f"{draw.uniform(0.01, 0.06)}", name=names[2]): f"Hello, {names[2]}!",
    }
    run = await stage.run("greet", list(cases))
    assert_no_unawaited(run.warnings, "greet", run.replies, only_if_failed=True)
    for reply, greeting in zip(run.replies, cases.values(), strict=True):
        assert_json(reply, {"greeting": greeting}, "greet")
    return f"greet answers {len(cases)} requests with the right greeting (e.g. {names[0]!r})"


@check(ASSIGNMENT, "test_greet_waits_without_blocking", 2, views=["greet"])
async def greet_waits_without_blocking(stage: Stage) -> str:
    """Ten requests with a delay wait together: the event loop never stalls, all ten overlap."""
    assert_async_view(await stage.kind("greet"), "greet")
    # Half the requests ask for a short delay, half for a longer one, sent in turn. A view that
    # waits answers the long ones about (long - short) later than the short ones, however busy
    # the machine (the medians shrug off a late answer or two); a view that does not wait
    # answers them in the order they came, all about as soon.
    short = round(stage.draw.uniform(0.25, 0.4), 2)
    long, times = round(short + stage.draw.uniform(0.5, 0.7), 2), 10
    paths = [_greet_path(name="Ada", delay=(short, long)[i % 2]) for i in range(times)]
    # A kernel the machine did not run for longer than (long - short) answers the short ones
    # late too: that is inconclusive, so the batch is sent again (twice at most). A view that
    # does not wait answers every batch in turn; only a right one can ever pass.
    for _ in range(3):
        run = await stage.run("greet", paths)
        _all_answered(run, "greet")
        shorts, longs = run.replies[0::2], run.replies[1::2]
        quickest = min(shorts, key=lambda r: r.seconds)
        later = statistics.median(r.ended for r in longs) - statistics.median(
            r.ended for r in shorts
        )
        early = quickest.seconds < 0.8 * short
        if not early:  # (a loop blocked by time.sleep answers in turn too: say why first)
            assert_loop_never_blocked(run.stall, "greet", times, what=run.stall_what)
        if early or later >= 0.5 * (long - short):
            break
    if early or later < 0.5 * (long - short):
        # (no number that varies from run to run in sign or kind: two gradings say the same)
        seen = (
            f"{quickest.label} answered after {quickest.seconds:.2f} s, sooner than the {short} s "
            "it asked for."
            if early
            else f"the answers to ?delay={long} came {max(later, 0.0):.2f} s after those to "
            f"?delay={short} (sent in turn; a view that waits answers them about "
            f"{long - short:.2f} s later)."
        )
        raise teaching_failure(
            "greet",
            seen,
            "The view did not wait the number of seconds the request asked for.",
            "`await asyncio.sleep(delay)` before answering.",
        )
    one_by_one = times // 2 * (short + long)
    assert_faster_than(run.elapsed, one_by_one / 2, one_by_one, f"{times} requests", "greet")
    # Each request waited at least 0.8 of its delay; finishing all of them this quickly means
    # that at least this many were waiting at the same moment.
    together = math.ceil(0.8 * one_by_one / run.elapsed)
    return (
        f"greet: {times} requests with ?delay={short} and ?delay={long} answered in "
        f"{run.elapsed:.2f} s (one after another: {one_by_one:.1f} s), so at least "
        f"{min(together, times)} were waiting at the same time; longest event-loop stall "
        f"{run.stall * 1000:.0f} ms"
    )


BAD_DELAYS = ["nan", "inf", "-inf", "abc", "", "-1", "-0.01", "5.01", "100", "1e400", "1,5",
              "0x10", "NaN", " ", "5.000001"]  # fmt: skip


@check(ASSIGNMENT, "test_greet_rejects_bad_delay", 2, views=["greet"], hidden=True)
async def greet_rejects_bad_delay(stage: Stage) -> str:
    """Hidden test: a delay that is not a finite number from 0 to 5 gets 400 and an error, at once."""  # noqa: E501
    assert_async_view(await stage.kind("greet"), "greet")
    draw = stage.draw
    # The ones the exercise names always; others drawn.
    bad = ["nan", "inf", "-inf", "abc", "", *draw.sample(BAD_DELAYS[5:], 5),
           f"{draw.uniform(5.5, 60)}", f"-{draw.uniform(0.1, 9)}", draw.word()]  # fmt: skip
    run = await stage.run("greet", [_greet_path(delay=value) for value in bad], time_limit=4.0)
    assert_no_unawaited(run.warnings, "greet", run.replies)
    for reply in run.replies:
        assert_json_error(
            reply,
            400,
            "greet",
            why="delay must be a finite number of seconds from 0 to 5; anything else is a "
            'client error: 400 with {"error": "..."} (float() accepts "nan" and "inf": '
            "check math.isfinite)",
        )
    # A view that waits before it validates waits out delays of 5 s and more; a busy grading
    # machine delays a 400 by well under a second.
    slow = max(run.replies, key=lambda r: r.seconds)
    if slow.seconds > 2.5:
        raise teaching_failure(
            "greet",
            f"{slow.label} got its 400 only after {slow.seconds:.2f} s.",
            "The view waited before checking the delay.",
            "Validate first, answer 400 at once, and only then wait.",
        )
    assert_loop_never_blocked(run.stall, "greet", len(bad), what=run.stall_what)
    shown = ", ".join(repr(value) for value in bad[:5])
    return f"greet rejects {len(bad)} bad delays ({shown}, ...) with 400 at once"


@check(ASSIGNMENT, "test_greet_accepts_delay_range", 1, views=["greet"], hidden=True)
async def greet_accepts_delay_range(stage: Stage) -> str:
    """Hidden test: every delay from 0 to 5 seconds, both ends included, is accepted."""
    assert_async_view(await stage.kind("greet"), "greet")
    small = f"{stage.draw.uniform(0.001, 0.05, 3)}"
    quick = await stage.run("greet", [_greet_path(delay=d) for d in ("0", "0.0", small)])
    assert_no_unawaited(quick.warnings, "greet", quick.replies, only_if_failed=True)
    for reply in quick.replies:
        assert_json(reply, {"greeting": "Hello, world!"}, "greet")
    # A 5 s wait is allowed: the view must still be waiting after 0.3 s (not answer 400). One
    # request only: a view that blocks would hold the kernel for the whole 5 s.
    long = await stage.run("greet", [_greet_path(delay="5")], time_limit=0.3)
    for reply in long.replies:
        if reply.outcome == "response" and reply.status != 200:
            raise teaching_failure(
                "greet",
                f"{reply.label} answered {reply.status}.",
                f"delays up to {MAX_DELAY:g} s (inclusive) are allowed.",
                "Accept 0 <= delay <= 5.",
            )
        if reply.outcome == "exception":
            assert_status(reply, 200, "greet")
    assert_loop_never_blocked(long.stall, "greet", 1, what=long.stall_what)
    return f"greet accepts delays from 0 to 5 seconds (tried 0, {small} and 5)"


# --- profile ---------------------------------------------------------------------------------


def _users(stage: Stage) -> dict[int, dict]:
    draw = stage.draw.child("users")
    ids = draw.sample(range(10, 1000), 4)
    names = draw.people(4)
    return {
        user_id: {
            "id": user_id,
            "name": name,
            "email": f"{name.split()[0].lower().encode('ascii', 'ignore').decode()}"
            f"{user_id}@example.com",
        }
        for user_id, name in zip(ids, names, strict=True)
    }


def _user_service(stage: Stage, users: dict[int, dict], delay: float = USER_DELAY):
    return stage.install({USER_SERVICE: Route(answer=user_answer(users), delay=delay)})


@check(ASSIGNMENT, "test_profile_answers", 2, views=["profile"])
async def profile_answers(stage: Stage) -> str:
    """profile answers with the user's details, from an awaited fetch_user."""
    assert_async_view(await stage.kind("profile"), "profile")
    users = _users(stage)
    asked = list(users)[:2]
    log = _user_service(stage, users)
    run = await stage.run("profile", [f"/profile/?user={user_id}" for user_id in asked])
    _all_answered(run, "profile")
    for reply, user_id in zip(run.replies, asked, strict=True):
        assert_json(reply, users[user_id], "profile")
    seen = sorted(int(call.url.rsplit("/", 1)[-1]) for call in log.calls if call.outcome == "ok")
    if seen != sorted(asked):
        raise teaching_failure(
            "profile",
            f"the user service was asked for {seen or 'nobody'}, for requests about {asked}.",
            "The answer must come from the user service, once per request.",
            "`user = await fetch_user(int(request.GET['user']))`.",
        )
    return f"profile answers with the user's details from fetch_user (users {asked})"


@check(ASSIGNMENT, "test_profile_runs_concurrently", 2, views=["profile"])
async def profile_runs_concurrently(stage: Stage) -> str:
    """Five requests are served together; the event loop never stalls."""
    assert_async_view(await stage.kind("profile"), "profile")
    users = _users(stage)
    times = 5
    ids = [list(users)[i % len(users)] for i in range(times)]
    # Slower than in the practice service ("about 0.1 s"), so that the calls of requests that a
    # busy grading machine lets in a little apart still overlap.
    delay = stage.draw.uniform(0.25, 0.35)
    log = _user_service(stage, users, delay)
    run = await stage.run("profile", [f"/profile/?user={user_id}" for user_id in ids])
    _all_answered(run, "profile")
    assert_loop_never_blocked(run.stall, "profile", times, what=run.stall_what)
    assert_calls_overlapped(log, times - 2, "profile")
    # The overlap the user service saw is the evidence; the clock only has to rule out waits
    # that add up (which take at least one_by_one), with room for a busy machine.
    one_by_one = times * delay
    assert_faster_than(run.elapsed, 0.8 * one_by_one, one_by_one, f"{times} requests",
                       "profile")  # fmt: skip
    return (
        f"profile: {times} requests in {run.elapsed:.2f} s, {log.peak_overlap()} user-service "
        f"calls waiting at once, longest event-loop stall {run.stall * 1000:.0f} ms"
    )


@check(ASSIGNMENT, "test_profile_handles_bad_input", 2, views=["profile"], hidden=True)
async def profile_handles_bad_input(stage: Stage) -> str:
    """Hidden test: unknown user gets 404, a missing or non-integer user gets 400, with a JSON error."""  # noqa: E501
    assert_async_view(await stage.kind("profile"), "profile")
    users = _users(stage)
    _user_service(stage, users)
    unknown = [i for i in stage.draw.sample(range(1000, 5000), 2)] + [0]
    not_found = [f"/profile/?user={user_id}" for user_id in unknown]
    bad = ["/profile/", "/profile/?user=", f"/profile/?user={quote(stage.draw.word())}",
           f"/profile/?user={list(users)[0]}.5", f"/profile/?id={list(users)[0]}"]  # fmt: skip
    run = await stage.run("profile", not_found + bad)
    assert_no_unawaited(run.warnings, "profile", run.replies)
    for reply in run.replies[: len(not_found)]:
        assert_json_error(reply, 404, "profile", why="There is no user with that id: 404.")
    for reply in run.replies[len(not_found) :]:
        assert_json_error(
            reply, 400, "profile", why="`user` is missing or not an integer: that is the client's "
            "mistake, 400 (catch the ValueError/KeyError instead of letting the view crash)."
        )  # fmt: skip
    return "profile answers 404 for unknown users and 400 for bad input"
