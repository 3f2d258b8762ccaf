"""A class on a real hub, for the tests: start ``python -m autograder hub``, act as its people.

The hub is the command ``make hub`` runs, with accounts of the test's own (a random prefix, so a
hub someone is running on the same machine is not disturbed), on a free port, in a folder under
/tmp; stopping it is Ctrl+C (SIGINT), as for a person at the terminal.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from autograder.instructor.hub import COURSE_ID
from autograder.instructor.hub.accounts import Account, processes_of, unix_user
from autograder.instructor.hub.launch import run_as
from autograder.instructor.paths import REPO
from tests.browser.jupyterlab import free_port, screenshot

HUB_START_SECONDS = 180
HUB_STOP_SECONDS = 120
SERVER_START_SECONDS = 120


@dataclass
class HubClass:
    process: subprocess.Popen
    state_dir: Path
    log: Path
    klass: dict = field(default_factory=dict)
    started_seconds: float = 0.0
    stopped: bool = False

    @classmethod
    def start(cls, log: Path, students: int = 3) -> HubClass:
        # Under /tmp itself: the students' servers must reach the exchange in it, and pytest's
        # own temporary folders are private to root.
        state_dir = Path(tempfile.mkdtemp(prefix="hub-test-", dir="/tmp"))
        command = [
            sys.executable, "-m", "autograder", "hub", "--dir", str(state_dir),
            "--prefix", f"t{secrets.token_hex(2)}-", "--port", str(free_port()),
            "--students", str(students), "--assignments", "ps1_async_views",
        ]  # fmt: skip
        started = time.monotonic()
        with log.open("w") as output:
            process = subprocess.Popen(command, cwd=REPO, stdout=output, stderr=subprocess.STDOUT,
                                       start_new_session=True)  # fmt: skip
        hub = cls(process, state_dir, log)
        while not (state_dir / "ready").exists():
            if process.poll() is not None or time.monotonic() - started > HUB_START_SECONDS:
                hub.stop()
                raise RuntimeError(f"the hub did not come up:\n{log.read_text()}")
            time.sleep(0.25)  # polling the file the launcher writes when the hub answers
        hub.klass = json.loads((state_dir / "class.json").read_text())
        hub.started_seconds = time.monotonic() - started
        return hub

    # --- who is who ---

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.klass['port']}"

    def accounts(self, role: str) -> list[dict]:
        return [a for a in self.klass["accounts"] if a["role"] == role]

    @property
    def instructor(self) -> dict:
        return self.accounts("instructor")[0]

    @property
    def students(self) -> list[dict]:
        return self.accounts("student")

    @property
    def course_root(self) -> Path:
        return Path(self.klass["course_root"])

    @property
    def exchange_course(self) -> Path:
        return Path(self.klass["exchange"]) / COURSE_ID

    @property
    def formgrader(self) -> str:
        return f"{self.base}/services/{COURSE_ID}/formgrader"

    def uids(self) -> dict[str, int]:
        return {a["name"]: a["uid"] for a in self.klass["accounts"]}

    # --- the instructor's command line ---

    def run_as(self, name: str, *command: str) -> subprocess.CompletedProcess:
        """A command as one of the class's Unix users (what they could do in a terminal)."""
        return subprocess.run(["runuser", "-u", name, "--", *command],
                              capture_output=True, text=True, timeout=60)  # fmt: skip

    def release(self, assignment: str) -> None:
        """What formgrader's Generate and Release buttons run, as the grader account."""
        grader = Account(**self.klass["grader"])
        for step in ("generate_assignment", "release_assignment"):
            run_as(grader, self.klass, ["nbgrader", step, assignment], cwd=self.course_root)

    def grade(self, assignment: str) -> subprocess.CompletedProcess:
        """``python -m autograder hub grade``, as the README tells the instructor (as root)."""
        return subprocess.run(
            [sys.executable, "-m", "autograder", "hub", "grade", assignment,
             "--dir", str(self.state_dir), "--no-progress"],
            cwd=REPO, capture_output=True, text=True, timeout=600,
        )  # fmt: skip

    # --- stopping ---

    def stop(self) -> int:
        """Ctrl+C, as at the terminal; returns the launcher's exit code."""
        if not self.stopped and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        self.stopped = True
        try:
            return self.process.wait(timeout=HUB_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise

    def leftovers(self) -> dict[str, list]:
        """Users, processes and the folder that should be gone once the hub has stopped."""
        return {
            "users": [name for name in self.uids() if unix_user(name)],
            "processes": [pid for uid in self.uids().values() for pid in processes_of(uid)],
            "folders": [str(p) for p in (self.state_dir, self.course_root) if p.exists()],
        }


# --- people in the browser ---


def login(context, hub: HubClass, account: dict, shot: str | None = None):
    """The hub's login page, the account's name and password; returns the page once the
    account's JupyterLab has loaded."""
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{hub.base}/hub/login")
    page.locator("#username_input").fill(account["name"])
    page.locator("#password_input").fill(account["password"])
    if shot:
        screenshot(page, shot)
    page.locator("#login_submit").click()
    page.wait_for_url(re.compile(rf".*/user/{re.escape(account['name'])}/lab.*"),
                      timeout=SERVER_START_SECONDS * 1000)  # fmt: skip
    page.locator(".jp-LabShell").wait_for()
    page.get_by_role("menubar").wait_for()
    return page


def open_assignment_list(page):
    """Nbgrader → Assignment List: the Assignments tab of nbgrader's lab extension."""
    page.get_by_role("menubar").get_by_role("menuitem", name="Nbgrader", exact=True).click()
    page.get_by_role("menu").get_by_role("menuitem", name="Assignment List", exact=True).click()
    released = page.locator("#released_assignments_list")
    panel = page.locator(".jp-MainAreaWidget").filter(has=released)
    panel.wait_for()
    return panel


def list_item(panel, section: str, assignment: str):
    """The row of ``assignment`` in "released", "fetched" or "submitted"."""
    return panel.locator(f"#{section}_assignments_list > .list_item").filter(has_text=assignment)


def formgrader_action(page, row, css: str, *, timeout: float = 300) -> str:
    """Click one of formgrader's row actions; returns the text of its success dialog."""
    row.locator(f"td.{css} a").click()
    dialog = page.locator("#success-modal, #error-modal").locator("visible=true")
    dialog.first.wait_for(timeout=timeout * 1000)
    text = dialog.first.inner_text()
    assert (
        page.locator("#error-modal").count() == 0 or not page.locator("#error-modal").is_visible()
    ), text
    dialog.first.get_by_role("button", name="Close").first.click()
    dialog.first.wait_for(state="hidden")
    return text


def status_of(hub: HubClass, page, path: str) -> tuple[int, str]:
    """Open ``path`` in this person's browser; returns the final HTTP status and the page text."""
    response = page.goto(f"{hub.base}{path}")
    return response.status, page.locator("body").inner_text()


def api_status(hub: HubClass, path: str) -> int:
    """Without a login at all."""
    return httpx.get(f"{hub.base}{path}", follow_redirects=False, timeout=30).status_code
