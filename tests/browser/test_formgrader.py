"""The instructor's view: nbgrader's formgrader in JupyterLab lists the assignments and a graded
submission of a throw-away course (one right and one wrong submission of ps1, autograded)."""

import textwrap

import nbformat
import pytest

from autograder.instructor import grading
from autograder.instructor.catalogue import load
from autograder.instructor.notebook_runner import with_answers
from autograder.instructor.paths import nbgrader
from tests.browser.conftest import new_page
from tests.browser.jupyterlab import LabServer, jupyter_lab, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ASSIGNMENT = "ps1_async_views"
STUDENTS = {  # student: {answer grade_id: catalogue answer}
    "ada": {"greet": "right_validate_then_sleep", "profile": "right_model_answer"},
    "bob": {"greet": "wrong_time_sleep", "profile": "right_model_answer"},
}
NAMES = {"ada": ("Ada", "Lovelace"), "bob": ("Bob", "Barker")}


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    """A course folder with ps1 released, two submissions and both autograded."""
    root = tmp_path_factory.mktemp("course")
    grading.new_course(root, [ASSIGNMENT])
    roster = root / "students.csv"
    roster.write_text(
        "id,first_name,last_name\n"
        + "".join(f"{student},{first},{last}\n" for student, (first, last) in NAMES.items())
    )
    nbgrader("db", "student", "import", str(roster), course_root=root)
    release = nbformat.read(grading.notebook_path(root, "release", ASSIGNMENT), as_version=4)
    catalogue = load(ASSIGNMENT)
    for student, chosen in STUDENTS.items():
        answers = {
            grade_id: next(v.source for v in catalogue[grade_id] if v.name == name)
            for grade_id, name in chosen.items()
        }
        path = grading.notebook_path(root, "submitted", ASSIGNMENT, student)
        path.parent.mkdir(parents=True)
        nbformat.write(with_answers(release, answers), path)
        (path.parent / "timestamp.txt").write_text("2026-11-20 09:30:00 UTC")
    nbgrader("autograde", ASSIGNMENT, "--force", course_root=root)
    # The formgrader reads nbgrader_config.py from the folder the server starts in.
    (root / "nbgrader_config.py").write_text(
        textwrap.dedent(f"""\
        c = get_config()  # noqa: F821
        c.CourseDirectory.course_id = "async-django-hands-on"
        c.CourseDirectory.root = {str(root)!r}
    """)
    )
    return root


@pytest.fixture(scope="module")
def instructor_lab(graded_course, tmp_path_factory):
    server = LabServer.start(jupyter_lab, root=graded_course, cwd=graded_course,
                             home=tmp_path_factory.mktemp("instructor-home"))  # fmt: skip
    yield server
    server.stop()


@pytest.fixture
def instructor_page(chromium, instructor_lab):
    context, page = new_page(chromium)
    yield page
    context.close()


def test_formgrader_lists_the_assignment_and_graded_submissions(
    instructor_page, instructor_lab, graded_course
):
    page = instructor_page
    scores = grading.scores(graded_course, ASSIGNMENT)
    assert all(cell.passed for cell in scores["ada"].values())
    assert not all(cell.passed for cell in scores["bob"].values())

    page.goto(instructor_lab.url("formgrader/manage_assignments"))
    row = page.get_by_role("row").filter(has_text=ASSIGNMENT)
    row.wait_for()
    assert row.locator("td.num-submissions").inner_text().strip() == str(len(STUDENTS))
    screenshot(page, "5-formgrader-assignments")

    # The submissions count links to the graded submissions, with the gradebook's scores.
    row.locator("td.num-submissions").get_by_role("link").click()
    page.wait_for_url(f"**/formgrader/manage_submissions/{ASSIGNMENT}*")
    for student, cells in scores.items():
        submission = page.get_by_role("row").filter(
            has=page.locator("td.student-id", has_text=student)
        )
        submission.wait_for()
        score = sum(cell.score for cell in cells.values())
        total = sum(cell.max_score for cell in cells.values())
        last, first = NAMES[student][1], NAMES[student][0]
        assert submission.locator("td.student-name").inner_text().strip() == f"{last}, {first}"
        assert submission.locator("td.status").inner_text().strip() == "graded"
        assert submission.locator("td.score").inner_text().strip() == f"{score:g} / {total:g}"
        print(f"{student}: {score:g} / {total:g}")
    screenshot(page, "5-formgrader-submissions")
