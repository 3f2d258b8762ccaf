"""A class on the hub, end to end, in headless Chromium, the way its people use it.

The instructor generates and releases ps1 in formgrader; two students log in, fetch it from the
Assignment List, paste answers from the catalogue (one right, one whose ``profile`` still serves
requests one after another with ``time.sleep``), press *Validate* and submit; the instructor
moves the due date to "now", a third student submits late; the instructor collects, autogrades
with ``python -m autograder hub grade`` (the parallel command, full sandbox), sees the scores in
formgrader, generates and releases feedback; each student fetches feedback and reads the grader's
message for their own work. Then the refusals, and the hub is stopped: no user, process or folder
may be left.

Screenshots: ``build/screenshots/hub-*.png``.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest
from nbgrader.api import Gradebook

from autograder.instructor import grading
from autograder.instructor.hub.accounts import processes_of
from autograder.instructor.paths import REPO
from tests.browser.jupyterlab import (
    VIEWPORT,
    code_cell,
    screenshot,
    type_into_cell,
    validate,
    wait_for_kernel_idle,
)
from tests.browser.test_validate_in_lab import answer
from tests.hub.classroom import (
    formgrader_action,
    list_item,
    login,
    open_assignment_list,
    status_of,
)

pytestmark = [pytest.mark.hub, pytest.mark.browser, pytest.mark.slow]

ASSIGNMENT = "ps1_async_views"
ANSWERS = {
    "right": {"greet": "right_validate_then_sleep", "profile": "right_model_answer"},
    "sequential": {"greet": "right_validate_then_sleep", "profile": "wrong_keeps_time_sleep"},
}
NOTEBOOK = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
TIMINGS: dict[str, float] = {}


class Step:
    """Times one step of the cycle (printed at the end: how long a class takes)."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self.started = time.monotonic()

    def __exit__(self, *exc):
        TIMINGS[self.name] = time.monotonic() - self.started


@pytest.fixture(scope="module")
def people(chromium, hub):
    """A browser context (cookies of its own) per person: instructor, right, sequential, late."""
    right, sequential, late = hub.students
    contexts = {
        role: chromium.new_context(viewport=VIEWPORT)
        for role in ("instructor", "right", "sequential", "late")
    }
    yield {"accounts": {"instructor": hub.instructor, "right": right,
                        "sequential": sequential, "late": late},
           "contexts": contexts, "pages": {}}  # fmt: skip
    for context in contexts.values():
        context.close()


def page_of(people, hub, role: str, shot: str | None = None):
    pages = people["pages"]
    if role not in pages:
        pages[role] = login(people["contexts"][role], hub, people["accounts"][role], shot)
    return pages[role]


def assignment_row(page, hub):
    page.goto(f"{hub.formgrader}/manage_assignments")
    row = page.get_by_role("row").filter(has_text=ASSIGNMENT)
    row.wait_for()
    return row


def fetch_and_open(page, hub, name: str, shot: str):
    panel = open_assignment_list(page)
    list_item(panel, "released", ASSIGNMENT).get_by_role("button", name="Fetch").click()
    list_item(panel, "fetched", ASSIGNMENT).wait_for()
    screenshot(page, shot)
    # The fetched notebook is in the student's home, where the file browser shows it.
    page.goto(f"{hub.base}/user/{name}/lab/tree/{NOTEBOOK}")
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").first.wait_for()
    wait_for_kernel_idle(page)


def write_answers(page, chosen: dict[str, str]) -> None:
    for grade_id, name in chosen.items():
        source = answer(ASSIGNMENT, grade_id, name)
        stub = code_cell(page, f"async def {grade_id}(request)", "raise NotImplementedError()")
        type_into_cell(page, stub, source)
        code_cell(page, source.strip().splitlines()[-1].strip())


def submit(page) -> None:
    panel = open_assignment_list(page)
    fetched = list_item(panel, "fetched", ASSIGNMENT)
    fetched.get_by_role("button", name="Submit").click()
    list_item(panel, "submitted", ASSIGNMENT).wait_for()


def test_a_class_from_release_to_feedback(hub, people):
    started = time.monotonic()
    TIMINGS["hub start"] = hub.started_seconds
    accounts = people["accounts"]

    with Step("instructor: generate and release"):
        teacher = page_of(people, hub, "instructor", shot="hub-01-login")
        row = assignment_row(teacher, hub)
        formgrader_action(teacher, row, "assign")  # nbgrader generate_assignment
        formgrader_action(teacher, row, "release")  # nbgrader release_assignment
        assert row.locator("td.status").inner_text().strip() == "released"
        screenshot(teacher, "hub-02-formgrader-released")

    for role, number in (("right", 3), ("sequential", 4)):
        with Step(f"student ({role}): fetch, answer, validate, submit"):
            page = page_of(people, hub, role)
            fetch_and_open(page, hub, accounts[role]["name"], f"hub-{number:02d}a-{role}-fetched")
            write_answers(page, ANSWERS[role])
            dialog = validate(page)
            text = dialog.inner_text()
            screenshot(page, f"hub-{number:02d}b-{role}-validate")
            if role == "right":
                assert "Success! Your notebook passes all the tests." in text, text
            else:
                # One test fails: profile's concurrency test, with the grader's message.
                assert text.count("The following cell failed:") == 1, text
                assert "Five requests are served together" in text, text
                assert "profile: while it handled 5 request(s)" in text, text
                assert "the event loop was blocked" in text and "time.sleep" in text, text
            dialog.get_by_role("button").last.click()
            submit(page)
            screenshot(page, f"hub-{number:02d}c-{role}-submitted")

    with Step("instructor: due date passes, a late submission"):
        row = assignment_row(teacher, hub)
        row.locator("td.edit a").click()
        modal = teacher.locator("#edit-assignment-modal")
        modal.wait_for()
        # Whole seconds, rounded up: rounded down, a submission made in the same second as
        # this step counted as late (0.07 s late, once the class got here that quickly).
        due = (datetime.now(UTC) + timedelta(seconds=1)).replace(microsecond=0)
        modal.locator("input.modal-duedate").fill(due.strftime("%Y-%m-%dT%H:%M:%S"))
        modal.locator("input.modal-timezone").fill("UTC")
        modal.get_by_role("button", name="Save").click()
        modal.wait_for(state="detached")
        time.sleep(1.1)  # the due date is at most 1 s ahead: the late submission comes after it
        late = page_of(people, hub, "late")
        panel = open_assignment_list(late)
        list_item(panel, "released", ASSIGNMENT).get_by_role("button", name="Fetch").click()
        submit(late)
        screenshot(late, "hub-05-late-submitted")

    with Step("instructor: collect"):
        row = assignment_row(teacher, hub)
        formgrader_action(teacher, row, "collect")  # nbgrader collect
        folders = sorted(p.name for p in (hub.course_root / "submitted").iterdir())
        # one folder per student, and the intake's records of what collect took (a dot folder,
        # which nbgrader does not take for a student)
        assert folders == [".intake", *sorted(a["name"] for a in hub.students)]
        records = hub.course_root / "submitted" / ".intake" / ASSIGNMENT
        assert sorted(p.stem for p in records.glob("*.json")) == sorted(
            a["name"] for a in hub.students
        )

    with Step("instructor: autograde (python -m autograder hub grade)"):
        result = hub.grade(ASSIGNMENT)
        print(result.stdout[-2000:])
        assert result.returncode == 0, result.stdout + result.stderr
        assert "3 of 3 submissions autograded" in result.stdout
        # Run as root, the grading kernels get the whole sandbox (their own user, namespaces).
        kernels = result.stdout.split("kernels: ")[1].splitlines()[0]
        assert "own user" in kernels, kernels

    scores = grading.scores(hub.course_root, ASSIGNMENT)
    total = {student: sum(c.score for c in cells.values()) for student, cells in scores.items()}
    most = sum(c.max_score for c in next(iter(scores.values())).values())
    right, sequential, late_name = (accounts[r]["name"] for r in ("right", "sequential", "late"))
    assert total[right] == most
    assert not scores[sequential]["test_profile_runs_concurrently"].passed
    assert total[sequential] < most
    assert total[late_name] == 0  # submitted the untouched notebook

    with Step("instructor: formgrader shows the grades"):
        row = assignment_row(teacher, hub)
        assert row.locator("td.num-submissions").inner_text().strip() == "3"
        row.locator("td.num-submissions").get_by_role("link").click()
        teacher.wait_for_url(f"**/formgrader/manage_submissions/{ASSIGNMENT}*")
        for student, score in total.items():
            line = teacher.get_by_role("row").filter(
                has=teacher.locator("td.student-id", has_text=student)
            )
            line.wait_for()
            assert line.locator("td.status").inner_text().strip() == "graded"
            assert line.locator("td.score").inner_text().strip() == f"{score:g} / {most:g}"
        screenshot(teacher, "hub-06-formgrader-graded")

    with Gradebook(f"sqlite:///{hub.course_root / 'gradebook.db'}") as gradebook:
        late_seconds = {
            s.student_id: s.total_seconds_late for s in gradebook.assignment_submissions(ASSIGNMENT)
        }
    assert late_seconds[late_name] > 0 and late_seconds[right] == late_seconds[sequential] == 0

    with Step("instructor: export for the LMS"):
        export = hub.state_dir / "grades.csv"
        subprocess.run(
            [sys.executable, "-m", "autograder", "export", "--to", str(export),
             "--course-root", str(hub.course_root)],
            cwd=REPO, check=True, capture_output=True,
        )  # fmt: skip
        with export.open() as table:
            rows = {r["student_id"]: r for r in csv.DictReader(table)}
        assert float(rows[late_name]["seconds_late"]) > 0  # the late one shows as late
        assert float(rows[right]["seconds_late"]) == 0
        assert float(rows[right]["score"]) == most

    with Step("instructor: generate and release feedback"):
        row = assignment_row(teacher, hub)
        formgrader_action(teacher, row, "generate-feedback")
        formgrader_action(teacher, row, "release-feedback")
        screenshot(teacher, "hub-07-feedback-released")

    feedback_text = {}
    for role, number in (("right", 8), ("sequential", 9)):
        with Step(f"student ({role}): fetch and read feedback"):
            page = page_of(people, hub, role)
            panel = open_assignment_list(page)
            item = list_item(panel, "submitted", ASSIGNMENT)
            item.get_by_role("button", name="Fetch Feedback").click()
            item.get_by_text("(view feedback)").wait_for()
            screenshot(page, f"hub-{number:02d}a-{role}-feedback-fetched")
            name = accounts[role]["name"]
            home = Path(accounts[role]["home"])
            found = sorted((home / ASSIGNMENT / "feedback").rglob("*.html"))
            print(f"{name}'s feedback: {[str(p.relative_to(home)) for p in found]}")
            [html] = [p for p in found if p.name == f"{ASSIGNMENT}.html"]
            relative = str(html.relative_to(home))
            status, text = status_of(hub, page, f"/user/{name}/files/{relative}")
            assert status == 200
            screenshot(page, f"hub-{number:02d}b-{role}-feedback")
            feedback_text[role] = (relative, text)

    right_relative, right_text = feedback_text["right"]
    sequential_relative, sequential_text = feedback_text["sequential"]
    assert f"{ASSIGNMENT} (Score: {most:.1f} / {most:.1f})" in right_text
    assert f"{ASSIGNMENT} (Score: {total[sequential]:.1f} / {most:.1f})" in sequential_text
    # The grader's message about this student's own profile view, and only in their feedback.
    judged = "the event loop was blocked"
    assert judged in sequential_text and "`time.sleep`" in sequential_text
    assert judged not in right_text

    # Neither can read the other's feedback (the paths are the same in each home).
    for role, other, relative in (("right", sequential, sequential_relative),
                                  ("sequential", right, right_relative)):  # fmt: skip
        status, _ = status_of(hub, page_of(people, hub, role), f"/user/{other}/files/{relative}")
        assert status == 403, (role, status)
    screenshot(page_of(people, hub, "right"), "hub-10-other-feedback-refused")

    # Sizing (deploy/README.md): what one student's server and kernel hold in memory.
    uid = accounts["right"]["uid"]
    rss = sum(psutil.Process(pid).memory_info().rss for pid in processes_of(uid))
    print(f"memory of one student's processes (server + notebook kernel): {rss / 2**20:.0f} MiB")

    TIMINGS["whole cycle"] = time.monotonic() - started
    for name, seconds in TIMINGS.items():
        print(f"{seconds:7.1f} s  {name}")


def test_a_student_cannot_open_another_students_server(hub, people):
    page_of(people, hub, "sequential")  # the other student's server is running
    right = page_of(people, hub, "right")
    other = people["accounts"]["sequential"]["name"]
    for path in (f"/user/{other}/lab", f"/user/{other}/lab/tree/{NOTEBOOK}",
                 f"/user/{other}/api/contents/{NOTEBOOK}"):  # fmt: skip
        status, text = status_of(hub, right, path)
        assert status == 403, (path, status, text[:300])
        if path.endswith("/lab"):
            screenshot(right, "hub-11-other-server-refused")


def test_a_student_cannot_open_the_formgrader_or_the_gradebook(hub, people):
    right = page_of(people, hub, "right")
    for path in ("/formgrader", "/formgrader/gradebook", "/formgrader/api/assignments", "/lab"):
        status, _ = status_of(hub, right, f"/services/{hub.klass['course_id']}{path}")
        assert status == 403, (path, status)
        if path == "/formgrader":
            screenshot(right, "hub-12-formgrader-refused")
    # In a terminal: the gradebook and the course folder are the grader's, private.
    name = people["accounts"]["right"]["name"]
    result = hub.run_as(name, "cat", str(hub.course_root / "gradebook.db"))
    assert result.returncode != 0 and "Permission denied" in result.stderr
    # The instructor reaches the formgrader (the refusal is not a broken service).
    status, _ = status_of(hub, page_of(people, hub, "instructor"), "/services/"
                          f"{hub.klass['course_id']}/formgrader/api/assignments")  # fmt: skip
    assert status == 200


def test_a_student_cannot_list_the_exchange_of_others(hub, people):
    name = people["accounts"]["right"]["name"]
    other = people["accounts"]["sequential"]["name"]
    if not (hub.exchange_course / "inbound").exists():  # run without the class's cycle
        hub.release(ASSIGNMENT)
    # feedback/ exists once the instructor has released feedback (the cycle's last step)
    private = [f for f in ("inbound", "feedback") if (hub.exchange_course / f).exists()]
    assert "inbound" in private
    for folder in private:
        result = hub.run_as(name, "ls", str(hub.exchange_course / folder))
        assert result.returncode != 0 and "Permission denied" in result.stderr, result
    # ... nor another student's home, where their work and feedback are.
    result = hub.run_as(name, "ls", f"/home/{other}")
    assert result.returncode != 0 and "Permission denied" in result.stderr, result
    # What a student may do there: hand in (inbound is writable, not readable), and read the
    # released assignments (outbound).
    assert hub.exchange_course.joinpath("inbound").stat().st_mode & 0o7777 == 0o2733
    listing = hub.run_as(name, "ls", str(hub.exchange_course / "outbound"))
    assert listing.stdout.split() == [ASSIGNMENT]


def test_stopping_the_hub_leaves_no_user_process_or_folder(hub, people):
    for context in people["contexts"].values():
        context.close()
    people["contexts"].clear()
    started = time.monotonic()
    code = hub.stop()
    print(f"hub stopped in {time.monotonic() - started:.1f} s")
    log = hub.log.read_text()
    assert code == 0, log
    assert "Stopped; accounts and their homes removed." in log, log
    assert hub.leftovers() == {"users": [], "processes": [], "folders": []}
