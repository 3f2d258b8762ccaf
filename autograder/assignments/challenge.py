"""Checks for the ``challenge`` assignment: five answers and the coding task ``item_summary``.

The answers are compared with the challenge's hashed keys; the widget's own record (the JSON
state file, which a student can edit) plays no part in the grade. ``item_summary`` must fetch the
price and the stock of an item concurrently: while a check runs, the notebook's ``fetch_price``
and ``fetch_stock`` are swapped for copies that record when each call started and ended.
"""

from __future__ import annotations

from urllib.parse import quote

from autograder import integrity as ref
from autograder.checks import (
    CheckFailed,
    assert_all_answered,
    assert_async_view,
    assert_json,
    assert_loop_never_blocked,
)
from autograder.integrity import guarded
from autograder.runner import run_view
from autograder.runtime.challenge import load_challenge
from autograder.runtime.practice.bank import normalise
from autograder.substitute import substituted

FETCH_DELAY = 0.2  # the provided fetch_price / fetch_stock each wait this long
PRICES = {"book": 12.5, "pen": 1.2, "lamp": 30.0}
STOCK = {"book": 4, "pen": 120, "lamp": 0}


# --- the five problems -----------------------------------------------------------------------


@guarded
def check_answer(number: int, namespace: dict) -> None:
    """``answer_<number>`` in the notebook is the right option for problem ``number``."""
    questions = load_challenge().questions
    question = questions[number - 1]
    name = f"answer_{number}"
    choice = namespace.get(name)
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
    print(f"✔ problem {number} ({question.id}): right")


# --- the coding task ---------------------------------------------------------------------------


class RecordingFetch:
    """Stands in for ``fetch_price`` / ``fetch_stock`` and records every call's start and end."""

    def __init__(self, table: dict, field: str, log: list) -> None:
        self.table, self.field, self.log = table, field, log

    async def __call__(self, item: str) -> dict:
        call = [self.field, item, ref.perf_counter(), None]
        self.log.append(call)
        try:
            await ref.sleep(FETCH_DELAY)
        finally:
            call[3] = ref.perf_counter()
        return {"item": item, self.field: self.table.get(item)}


async def _run(view, paths):
    log: list = []
    with (
        substituted(view, "fetch_price", RecordingFetch(PRICES, "price", log)),
        substituted(view, "fetch_stock", RecordingFetch(STOCK, "stock", log)),
    ):
        result = await run_view(view, paths, time_limit=5.0)
    return result, log


@guarded
async def check_item_summary_answers(item_summary) -> None:
    """item_summary answers {"item", "price", "stock"} for ?item= (default "book")."""
    assert_async_view(item_summary, "item_summary")
    cases = {
        "/summary/": "book",
        "/summary/?item=pen": "pen",
        f"/summary/?item={quote('lamp')}": "lamp",
    }
    result, _ = await _run(item_summary, list(cases))
    for call, item in zip(result.calls, cases.values(), strict=True):
        assert_json(
            call, {"item": item, "price": PRICES[item], "stock": STOCK[item]}, "item_summary"
        )
    print(f"✔ item_summary answers {len(cases)} requests with price and stock")


@guarded
async def check_item_summary_runs_concurrently(item_summary) -> None:
    """Both fetches of one request are in flight at the same time; the loop never blocks."""
    assert_async_view(item_summary, "item_summary")
    result, log = await _run(item_summary, ["/summary/?item=pen"])
    assert_all_answered(result)
    fields = sorted(call[0] for call in log)
    if fields != ["price", "stock"]:
        raise CheckFailed(
            f"item_summary called {fields or 'no fetch'} for one request.\n"
            "What to change: await fetch_price(item) and fetch_stock(item), once each."
        )
    (_, _, start_a, end_a), (_, _, start_b, end_b) = log
    if not (start_a < end_b and start_b < end_a):
        raise CheckFailed(
            f"item_summary waited for one fetch before starting the other: "
            f"{result.elapsed:.2f} s for two {FETCH_DELAY} s fetches.\n"
            "What it means: the two calls did not overlap.\n"
            "What to change: `price, stock = await asyncio.gather(fetch_price(item), "
            "fetch_stock(item))` (or a TaskGroup)."
        )
    assert_loop_never_blocked(result)
    print(f"✔ item_summary fetched price and stock together: {result.elapsed:.2f} s "
          f"(one after the other: {2 * FETCH_DELAY:.1f} s)")  # fmt: skip


# Snapshot these checks, so that a notebook that patches them fails instead of passing.
ref.register_module(__name__)
