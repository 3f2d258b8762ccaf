"""challenge: five answers (``answer_1`` ... ``answer_5``) and the coding task ``item_summary``.

The answers are read from the notebook (they are the student's answer, whatever the kernel
says) and compared with the challenge's hashed keys; the widget's own record (the JSON state
file, which a student can edit) plays no part in the grade. ``item_summary`` must fetch an item's
price and stock concurrently: the provided ``fetch_price`` and ``fetch_stock`` call the judge's
shop service, with items, prices and stock drawn per submission, so the judge sees when each call
started and ended.
"""

from __future__ import annotations

from urllib.parse import quote

from autograder.judge.registry import check
from autograder.judge.stage import Stage
from autograder.judge.teaching import (
    CheckFailed,
    assert_async_view,
    assert_json,
    assert_loop_never_blocked,
    assert_no_unawaited,
    assert_status,
    teaching_failure,
)
from autograder.runtime.challenge import load_challenge
from autograder.runtime.practice.bank import normalise
from autograder.runtime.simulated.practice import SHOP, SHOP_DELAY, shop_answer
from autograder.runtime.simulated.services import CallLog, Route

ASSIGNMENT = "challenge"
POINTS_PER_PROBLEM = 2


def _answer_check(number: int, question) -> None:
    name = f"answer_{number}"

    async def run(stage: Stage) -> str:
        found = (await stage.values([name])).get(name, {})
        choice = found.get("json") if found.get("defined") else None
        option = normalise(choice)
        if option not in question.options:
            raise CheckFailed(
                f"{name} is {choice!r}: not answered.\n"
                f"What to change: set it to one of {', '.join(repr(o) for o in question.options)}."
            )
        if not question.is_right(option):
            raise CheckFailed(
                f"Problem {number} ({question.id}): {option!r} is not right.\n"
                f"Why not {option}: {question.mistakes[option]}\nHint: {question.hint}"
            )
        return f"problem {number} ({question.id}): right"

    run.__doc__ = f"Problem {number} ({question.id.replace('_', ' ')}): answer_{number} is right."
    check(ASSIGNMENT, f"test_answers_problem_{number}", POINTS_PER_PROBLEM, values=[name],
          hidden=True)(run)  # fmt: skip


for _number, _question in enumerate(load_challenge().questions, 1):
    _answer_check(_number, _question)


# --- the coding task ---------------------------------------------------------------------------


def _shop(stage: Stage) -> tuple[dict, dict, CallLog]:
    draw = stage.draw.child("shop")
    items = draw.sample(["book", "pen", "lamp", "mug", "kite", "atlas", "scarf"], 4)
    if "book" not in items:
        items[0] = "book"  # the default item
    prices = {item: draw.uniform(0.5, 80) for item in items}
    stock = {item: draw.randint(0, 200) for item in items}
    log = stage.install({
        SHOP + "price/": Route(answer=shop_answer(prices, "price"), delay=SHOP_DELAY),
        SHOP + "stock/": Route(answer=shop_answer(stock, "stock"), delay=SHOP_DELAY),
    })  # fmt: skip
    return prices, stock, log


@check(ASSIGNMENT, "test_item_summary_answers", 2, views=["item_summary"], hidden=True)
async def item_summary_answers(stage: Stage) -> str:
    """item_summary answers {"item", "price", "stock"}, with "book" by default."""
    assert_async_view(await stage.kind("item_summary"), "item_summary")
    prices, stock, _ = _shop(stage)
    others = [item for item in prices if item != "book"]
    cases = {"/summary/": "book", **{f"/summary/?item={quote(item)}": item for item in others[:2]}}
    run = await stage.run("item_summary", list(cases), time_limit=5.0)
    assert_no_unawaited(run.warnings, "item_summary", run.replies, only_if_failed=True)
    for reply, item in zip(run.replies, cases.values(), strict=True):
        assert_json(reply, {"item": item, "price": prices[item], "stock": stock[item]},
                    "item_summary")  # fmt: skip
    return f"item_summary answers {len(cases)} requests with price and stock"


@check(ASSIGNMENT, "test_item_summary_runs_concurrently", 3, views=["item_summary"], hidden=True)
async def item_summary_runs_concurrently(stage: Stage) -> str:
    """item_summary fetches price and stock at the same time, without blocking."""
    assert_async_view(await stage.kind("item_summary"), "item_summary")
    prices, _, log = _shop(stage)
    item = next(item for item in prices if item != "book")
    run = await stage.run("item_summary", [f"/summary/?item={quote(item)}"], time_limit=5.0)
    assert_no_unawaited(run.warnings, "item_summary", run.replies)
    assert_status(run.reply, 200, "item_summary")
    kinds = sorted(call.url.split("/")[-2] for call in log.calls)
    if kinds != ["price", "stock"]:
        raise teaching_failure(
            "item_summary",
            f"it called {kinds or 'no fetch'} for one request.",
            "Each request needs the item's price and its stock, once each.",
            "await fetch_price(item) and fetch_stock(item), once each.",
        )
    if log.peak_overlap() < 2:
        raise teaching_failure(
            "item_summary",
            f"it waited for one fetch before starting the other: {run.elapsed:.2f} s for two "
            f"{SHOP_DELAY} s fetches.",
            "The two calls did not overlap.",
            "`price, stock = await asyncio.gather(fetch_price(item), fetch_stock(item))` (or a "
            "TaskGroup).",
        )
    assert_loop_never_blocked(run.stall, "item_summary", 1, what=run.stall_what)
    return (
        f"item_summary fetched price and stock together: {run.elapsed:.2f} s "
        f"(one after the other: {2 * SHOP_DELAY:.1f} s)"
    )
