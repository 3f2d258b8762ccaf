"""The grading kernel's sandbox, and SandboxedExecute's handling of cells that kill or hang it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.instructor.sandbox import kernels as sandbox
from autograder.instructor.nbgrader.sandboxed_execute import SandboxedExecute
from autograder.instructor.paths import REPO
from tests.grading_helpers import sandbox_uids_running

pytestmark = [
    pytest.mark.grading,
    pytest.mark.slow,
    # nbclient 0.11 calls datetime.utcnow() when a cell times out; not ours to fix.
    pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning"),
]

FULL = sandbox.isolation_report()
needs_full_sandbox = pytest.mark.skipif(
    FULL["level"] != "full",
    reason=f"the full sandbox needs root and namespaces: {FULL['why']}",
)


@pytest.fixture(autouse=True, scope="module")
def _stop_the_zygote():
    yield
    sandbox.stop_zygote()


KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


class SandboxedClient(NotebookClient):
    """nbclient with the sandbox's kernel manager and the given settings."""

    settings = sandbox.SandboxSettings()

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        km.sandbox = self.settings
        return km


def run(cells: list[str], folder: Path, settings: sandbox.SandboxSettings, timeout: int = 60):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    client = SandboxedClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        kernel_manager_class=sandbox.SandboxKernelManager,
        resources={"metadata": {"path": str(folder)}},
    )
    client.settings = settings
    client.execute()
    return nb


def stdout(cell) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


PROBE = """\
import json, os, resource, socket, sys
found = {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "pid": os.getpid(),
         "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
         "home": os.environ.get("HOME"), "cwd": os.getcwd(),
         "secret": os.environ.get("AUTOGRADER_TEST_SECRET"),
         "fsize": resource.getrlimit(resource.RLIMIT_FSIZE)[0]}
def attempt(name, action):
    try:
        found[name] = repr(action())
    except BaseException as error:
        found[name] = type(error).__name__
course = @COURSE@
attempt("list_submitted", lambda: os.listdir(course + "/submitted"))
attempt("read_gradebook", lambda: open(course + "/gradebook.db").read())
attempt("write_course", lambda: open(course + "/planted.txt", "w").write("x"))
attempt("write_repository", lambda: open(@REPO@ + "/planted.txt", "w").write("x"))
attempt("host_port", lambda: socket.create_connection(("127.0.0.1", @PORT@), timeout=2).close())
attempt("own_loopback", lambda: socket.create_server(("127.0.0.1", 0)).close())
attempt("write_tmp", lambda: open("/tmp/@MARKER@", "w").write("x"))
attempt("write_home", lambda: open(os.path.join(os.environ["HOME"], "notes.txt"), "w").write("x"))
attempt("big_file", lambda: open("big.bin", "wb").write(b"x" * (3 << 20)))
attempt("read_data_file", lambda: open("data.csv").read())
print(json.dumps(found))
"""


REFUSED_WRITE = ("PermissionError", "OSError")


@needs_full_sandbox
def test_the_kernel_runs_as_a_user_of_its_own_in_namespaces_of_its_own():
    build = REPO / "build"
    build.mkdir(exist_ok=True)
    course = Path(tempfile.mkdtemp(prefix="sandbox-course-", dir=build))
    course.chmod(0o755)  # as a course folder usually is: only the sandbox hides its contents
    marker = f"sandbox-probe-{os.getpid()}"
    listener = socket.create_server(("127.0.0.1", 0))
    os.environ["AUTOGRADER_TEST_SECRET"] = "s3cret"
    try:
        (course / "submitted" / "alice").mkdir(parents=True)
        (course / "gradebook.db").write_text("SECRET GRADES")
        notebook_folder = course / "autograded" / "bob" / "ps"
        notebook_folder.mkdir(parents=True)
        (notebook_folder / "data.csv").write_text("a,b\n1,2\n")
        settings = sandbox.SandboxSettings(
            file_bytes=1 << 20, hide=sandbox.course_paths_to_hide(course, "sqlite:///gradebook.db")
        )
        code = (
            PROBE.replace("@COURSE@", repr(str(course)))
            .replace("@REPO@", repr(str(REPO)))
            .replace("@PORT@", str(listener.getsockname()[1]))
            .replace("@MARKER@", marker)
        )
        nb = run([code], notebook_folder, settings)
        found = json.loads(stdout(nb.cells[0]))
    finally:
        os.environ.pop("AUTOGRADER_TEST_SECRET", None)
        listener.close()
        shutil.rmtree(course)

    assert found["uid"] >= sandbox.DEFAULT_UID_BASE and found["gid"] == found["uid"]
    assert found["groups"] == []
    assert found["pid"] == 1 and found["processes"] == [1], "sees other processes"
    assert found["secret"] is None, "the grader's environment leaked into the kernel"
    assert found["home"] == found["cwd"] and "autograder-sandbox" in found["cwd"]
    assert found["list_submitted"] == "PermissionError"
    assert found["read_gradebook"] == "''", "the gradebook is readable"
    # Refused either by permissions or, where the repository lies under /tmp (which the sandbox
    # replaces by its own tmpfs, mounting the repository back read-only), by EROFS (OSError).
    assert found["write_course"] in REFUSED_WRITE
    assert found["write_repository"] in REFUSED_WRITE
    assert found["host_port"] == "ConnectionRefusedError"
    assert found["own_loopback"] == "None"
    assert found["write_tmp"] == "1" and not Path("/tmp", marker).exists(), "/tmp is shared"
    assert found["write_home"] == "1"
    assert found["big_file"] == "OSError"  # EFBIG: the file size limit
    assert found["fsize"] == 1 << 20
    assert found["read_data_file"] == repr("a,b\n1,2\n"), "the assignment's files are copied"
    assert not (REPO / "planted.txt").exists()
    assert not sandbox_uids_running({found["uid"]})
    assert not Path(found["cwd"]).exists(), "the kernel's private folder was left behind"


@needs_full_sandbox
def test_processes_a_kernel_starts_die_with_it(tmp_path):
    code = """\
import os, subprocess
subprocess.Popen(["sleep", "300"], start_new_session=True)
if os.fork() == 0:  # a daemon of its own
    os.setsid()
    if os.fork() == 0:
        import time
        time.sleep(300)
    os._exit(0)
print(os.getuid())
"""
    nb = run([code], tmp_path, sandbox.SandboxSettings())
    uid = int(stdout(nb.cells[0]))
    deadline = time.monotonic() + 10
    while sandbox_uids_running({uid}) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not sandbox_uids_running({uid})


# --- SandboxedExecute: kernel death, hangs, output ---


def _notebook(*sources: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def _execute(nb, tmp_path, **traits):
    executed, _ = SandboxedExecute(**traits).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    return executed


def _errors(cell) -> list[str]:
    return [o.ename for o in cell.outputs if o.output_type == "error"]


def test_a_cell_that_kills_the_kernel_fails_and_the_others_still_run(tmp_path):
    nb = _execute(_notebook("x = 41", "import os\nos._exit(3)", "print(x + 1)"), tmp_path)
    assert _errors(nb.cells[1]) == ["DeadKernelError"]
    assert stdout(nb.cells[2]) == "42\n"
    assert not _errors(nb.cells[0]) and not _errors(nb.cells[2])


def test_a_cell_that_ignores_interrupts_fails_after_the_time_limit(tmp_path):
    loop = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    started = time.monotonic()
    nb = _execute(_notebook("x = 41", loop, "print(x + 1)"), tmp_path, timeout=3)
    assert _errors(nb.cells[1]) == ["CellTimeoutError"]
    assert stdout(nb.cells[2]) == "42\n"
    assert time.monotonic() - started < 60


def test_an_infinite_loop_is_interrupted_and_the_kernel_goes_on(tmp_path):
    nb = _execute(_notebook("x = 41", "while True:\n    pass", "print(x + 1)"), tmp_path, timeout=3)
    assert "CellTimeoutError" in _errors(nb.cells[1])
    assert stdout(nb.cells[2]) == "42\n"


def test_a_kernel_that_dies_every_time_leaves_no_cell_unrun(tmp_path):
    nb = _execute(
        _notebook("import os\nos._exit(1)", "import os\nos._exit(2)", "print('never')"),
        tmp_path,
        max_kernel_restarts=1,
    )
    for cell in nb.cells:  # a test cell without an error would score full points
        assert _errors(cell), cell.source


def test_megabytes_of_output_are_capped_and_stderr_still_counts(tmp_path):
    code = (
        "import sys\nfor _ in range(5):\n    print('o' * 1_000_000)\n"
        "    print('e' * 1_000_000, file=sys.stderr)"
    )
    nb = _execute(_notebook(code), tmp_path, max_output_bytes=200_000)
    outputs = nb.cells[0].outputs
    stored = sum(len(o.get("text", "")) for o in outputs)
    assert stored < 300_000
    assert any(o.get("name") == "stderr" for o in outputs), "stderr must still fail a test"
    assert "output truncated" in "".join(o.get("text", "") for o in outputs)
