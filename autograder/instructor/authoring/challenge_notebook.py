"""Generate ``source/challenge/challenge.ipynb`` from the challenge's problems.

``python -m autograder practice build`` writes it (with the practice set); tests/test_challenge.py
fails when the committed notebook differs. The widget cell only shows the timed problems; the
grade comes from the answer cells: ``answer_1`` ... ``answer_5`` and the view ``item_summary``.
"""

from __future__ import annotations

import nbformat

from autograder.instructor.authoring import cells as authoring
from autograder.instructor.authoring.test_cells import test_cell_source
from autograder.instructor.paths import SOURCE
from autograder.judge.registry import find
from autograder.runtime.challenge import load_challenge

ASSIGNMENT = "challenge"
NOTEBOOK = SOURCE / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
POINTS_PER_PROBLEM = 2

INTRO = """\
# 🏁 Challenge — Async Django Mastery

Five problems — a concept, the ORM's behaviour, async syntax, a bug hunt and predicting the output
of mixed sync/async code — and one short coding task.

**How it works**

* Run the cell below: each problem shows its difficulty (intermediate, advanced or expert) and
  has a **Start** button, a countdown ({minutes}) and **{attempts} attempts**. Your answers
  are checked right away; all problems right, in time, plus a working view earn the badge.
* Timers and attempts are kept in `challenge_state.json` next to this notebook, so restarting the
  kernel does not reset them.
* **What is graded** is what you write in the answer cells below (`answer_1` … `answer_5`, and the
  view `item_summary`), checked by hidden tests after you hand in — not the widget's counters.
  Each problem is worth {points} points; the view {view_points}."""

WIDGET = """\
from autograder.runtime.challenge import show_challenge

try:  # "Check my view" runs the grader's checks of item_summary here, as a preview
    from autograder.judge.preview import check
except ImportError:  # (not where the notebook is graded: there is nothing to show there)
    check = None
show_challenge(check_view=check)"""

ANSWERS_INTRO = """\
## Your answers (graded)

Copy your choices from the challenge above (the box at its end lists them): one letter per
problem. Then delete the line `raise NotImplementedError()` and run the cell."""

TASK = """\
## Coding task — `item_summary` ({points} points)

Write `async def item_summary(request)`:

* The GET parameter `item` names an item (default `"book"`).
* Fetch its price with `await fetch_price(item)` and its stock with `await fetch_stock(item)` —
  **at the same time**: each takes {delay} s, so one request must take about {delay} s, not
  {twice} s.
* Answer `JsonResponse({{"item": item, "price": <price>, "stock": <stock>}})`, taking `price` and
  `stock` from the two results.

Press **Check my view** in the challenge above to see whether it passes (and earn the badge)."""

FETCHERS = """\
import asyncio
from urllib.parse import quote

from django.http import JsonResponse

from autograder.runtime import services

# What the practice shop knows (the grader's shop has other items, prices and stock).
PRICES = {"book": 12.5, "pen": 1.2, "lamp": 30.0}
STOCK = {"book": 4, "pen": 120, "lamp": 0}


async def fetch_price(item):
    \"\"\"A slow price service: answers after 0.2 s with {"item": ..., "price": ...}.\"\"\"
    async with services.client() as client:
        response = await client.get(f"https://shop.example/price/{quote(item)}")
    return response.json()


async def fetch_stock(item):
    \"\"\"A slow stock service: answers after 0.2 s with {"item": ..., "stock": ...}.\"\"\"
    async with services.client() as client:
        response = await client.get(f"https://shop.example/stock/{quote(item)}")
    return response.json()"""

ITEM_SUMMARY = """\
async def item_summary(request):
    \"\"\"Price and stock of ?item= (default "book"), fetched concurrently.\"\"\"
    ### BEGIN SOLUTION
    item = request.GET.get("item", "book")
    price, stock = await asyncio.gather(fetch_price(item), fetch_stock(item))
    return JsonResponse({"item": item, "price": price["price"], "stock": stock["stock"]})
    ### END SOLUTION"""

TRY_IT = """\
from autograder.runtime import try_view

await try_view(item_summary, "/summary/?item=pen")"""


def answers_source() -> str:
    questions = load_challenge().questions
    template = [
        f"answer_{n} = None  # problem {n}: {q.id.replace('_', ' ')}"
        for n, q in enumerate(questions, 1)
    ]
    keys = [f'answer_{n} = "{q.key()}"' for n, q in enumerate(questions, 1)]
    return "\n".join([*template, "### BEGIN SOLUTION", *keys, "### END SOLUTION"])


def _test(grade_id: str) -> nbformat.NotebookNode:
    """A test cell as the judge's registry states it (grade_id, points, description)."""
    spec = find(grade_id, ASSIGNMENT)
    return authoring.test(grade_id, test_cell_source(spec), spec.points)


def build_notebook() -> nbformat.NotebookNode:
    questions = load_challenge().questions
    from autograder.runtime.challenge.state import ATTEMPTS_PER_PROBLEM, SECONDS_BY_DIFFICULTY
    from autograder.runtime.simulated.practice import SHOP_DELAY as FETCH_DELAY

    minutes = ", ".join(
        f"{seconds / 60:g} minutes for {label}" for label, seconds in SECONDS_BY_DIFFICULTY.items()
    )
    cells = [
        authoring.markdown(
            INTRO.format(
                minutes=minutes,
                attempts=ATTEMPTS_PER_PROBLEM,
                points=POINTS_PER_PROBLEM,
                view_points=5,
            ),  # fmt: skip
            "intro",
        ),
        authoring.provided("provided_challenge_widget", WIDGET),
        authoring.markdown(ANSWERS_INTRO, "answers_instructions"),
        authoring.answer("answers", answers_source()),
    ]
    for n in range(1, len(questions) + 1):
        cells.append(_test(f"test_answers_problem_{n}"))
    cells += [
        authoring.markdown(
            TASK.format(points=5, delay=FETCH_DELAY, twice=2 * FETCH_DELAY),
            "item_summary_instructions",
        ),
        authoring.provided("provided_fetchers", FETCHERS),
        authoring.answer("item_summary", ITEM_SUMMARY),
        authoring.markdown("Try your view (not graded):"),
        authoring.code(TRY_IT),
        _test("test_item_summary_answers"),
        _test("test_item_summary_runs_concurrently"),
    ]
    return authoring.notebook(cells)


def write() -> None:
    NOTEBOOK.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(build_notebook(), NOTEBOOK)
    print(f"{NOTEBOOK.relative_to(SOURCE.parent)} generated")
