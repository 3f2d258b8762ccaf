"""The grading kernel's sandbox, and SandboxedExecute's handling of cells that kill or hang it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.instructor.nbgrader.sandboxed_execute import SandboxedExecute
from autograder.instructor.paths import REPO
from autograder.instructor.sandbox import kernels as sandbox
from tests.grading_helpers import sandbox_uids_running

pytestmark = [
    pytest.mark.grading,
    pytest.mark.slow,
    # nbclient 0.11 calls datetime.utcnow() when a cell times out; not ours to fix.
    pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning"),
]

FULL_CAPS = sandbox.probe()
FULL = sandbox.isolation_report(FULL_CAPS)
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
import ctypes, glob, json, os, resource, socket, sys
found = {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "pid": os.getpid(),
         "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
         "home": os.environ.get("HOME"), "cwd": os.getcwd(), "files": sorted(os.listdir(".")),
         "secret": os.environ.get("AUTOGRADER_TEST_SECRET"), "path": sys.path,
         "ipython_dir": get_ipython().ipython_dir,
         "fsize": resource.getrlimit(resource.RLIMIT_FSIZE)[0],
         "fds": [],
         "cgroup": open("/proc/self/cgroup").read()}
for fd in os.listdir("/proc/self/fd"):
    try:
        found["fds"].append(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:  # the listing's own descriptor, closed meanwhile
        pass
def attempt(name, action):
    try:
        found[name] = repr(action())
    except BaseException as error:
        found[name] = type(error).__name__
course, repo = @COURSE@, @REPO@
attempt("list_course", lambda: os.listdir(course))
attempt("list_submitted", lambda: os.listdir(course + "/submitted"))
attempt("read_gradebook", lambda: open(course + "/gradebook.db").read())
attempt("read_secret", lambda: open(course + "/.autograder/secret").read())
attempt("write_course", lambda: open(course + "/planted.txt", "w").write("x"))
attempt("list_repository", lambda: sorted(os.listdir(repo)))
attempt("list_autograder", lambda: sorted(os.listdir(repo + "/autograder")))
attempt("read_git", lambda: open(repo + "/.git/HEAD").read())
attempt("read_catalogue", lambda: os.listdir(repo + "/tests/catalogue"))
attempt("write_repository", lambda: open(repo + "/planted.txt", "w").write("x"))
attempt("import_runtime", lambda: __import__("autograder.runtime.serve").__name__)
attempt("import_demo_project", lambda: __import__("demo_project.catalog.legacy").__name__)
attempt("import_judge", lambda: __import__("autograder.judge.registry"))
attempt("import_instructor", lambda: __import__("autograder.instructor.paths"))
attempt("host_port", lambda: socket.create_connection(("127.0.0.1", @PORT@), timeout=2).close())
attempt("own_loopback", lambda: socket.create_server(("127.0.0.1", 0)).close())
attempt("write_tmp", lambda: open("/tmp/@MARKER@", "w").write("x"))
attempt("write_home", lambda: open(os.path.join(os.environ["HOME"], "notes.txt"), "w").write("x"))
attempt("big_file", lambda: open("big.bin", "wb").write(b"x" * (3 << 20)))
attempt("read_data_file", lambda: open("data.csv").read())
libc = ctypes.CDLL(None, use_errno=True)
found["shm"] = libc.shmget(0, 1 << 20, 0o1000 | 0o666)  # IPC_PRIVATE, IPC_CREAT: left behind
print(json.dumps(found))
"""


REFUSED = ("PermissionError", "OSError", "FileNotFoundError")


@needs_full_sandbox
def test_the_kernel_sees_only_what_it_needs_as_a_user_of_its_own():
    build = REPO / "build"
    build.mkdir(exist_ok=True)
    course = Path(tempfile.mkdtemp(prefix="sandbox-course-", dir=build))
    course.chmod(0o755)  # as a course folder usually is: only the sandbox hides its contents
    marker = f"sandbox-probe-{os.getpid()}"
    listener = socket.create_server(("127.0.0.1", 0))
    os.environ["AUTOGRADER_TEST_SECRET"] = "s3cret"
    segments_before = _shared_memory_segments()
    try:
        (course / "submitted" / "alice").mkdir(parents=True)
        (course / "gradebook.db").write_text("SECRET GRADES")
        (course / ".autograder").mkdir()
        (course / ".autograder" / "secret").write_text("COURSE SECRET")
        source = course / "source" / "ps"
        source.mkdir(parents=True)
        (source / "data.csv").write_text("a,b\n1,2\n")
        notebook_folder = course / "autograded" / "bob" / "ps"
        notebook_folder.mkdir(parents=True)
        (notebook_folder / "data.csv").write_text("the student's own version")
        (notebook_folder / "planted.py").write_text("import os; os.system('echo pwned')")
        settings = sandbox.SandboxSettings(
            file_bytes=1 << 20,
            hide=sandbox.course_paths_to_hide(course, "sqlite:///gradebook.db"),
            assignment_files=str(source),
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
    # Its folder holds the instructor's files only; HOME is the grader's, empty and read-only.
    assert "autograder-sandbox" in found["cwd"]
    assert found["home"] == f"{found['cwd']}/home"
    assert found["write_home"] in REFUSED
    assert not found["ipython_dir"].startswith(found["cwd"]), "IPython reads the kernel's folder"
    assert "data.csv" in found["files"] and "planted.py" not in found["files"]
    assert found["read_data_file"] == repr("a,b\n1,2\n"), "the instructor's file, not the copy"
    assert "" not in found["path"] and found["cwd"] not in found["path"]
    # Neither the course, nor the repository (but for the runtime), nor the grader's code.
    assert found["list_course"] in REFUSED or found["list_course"] == "[]"
    for name in ("list_submitted", "read_gradebook", "read_secret", "write_course", "read_git",
                 "read_catalogue", "write_repository"):  # fmt: skip
        assert found[name] in REFUSED, (name, found[name])
    if found["list_repository"] not in REFUSED:
        # the runtime, the demo project and the Python environment grading runs in (when that
        # lives in the repository: .venv, or .venv-lts in CI's second pass)
        shown = {"autograder", "demo_project", Path(sys.prefix).name}
        assert set(eval(found["list_repository"])) <= shown
    assert eval(found["list_autograder"]) == ["__init__.py", "runtime"]
    assert (
        found["import_runtime"] == "'autograder'"
        and found["import_demo_project"] == "'demo_project'"
    )
    assert found["import_judge"] == "ModuleNotFoundError"
    assert found["import_instructor"] == "ModuleNotFoundError"
    assert found["host_port"] == "ConnectionRefusedError"
    assert found["own_loopback"] == "None"
    assert found["write_tmp"] == "1" and not Path("/tmp", marker).exists(), "/tmp is shared"
    assert found["big_file"] == "OSError"  # EFBIG: the file size limit
    assert found["fsize"] == 1 << 20
    # Nothing inherited: no file of the grader's is open in the kernel.
    assert not [fd for fd in found["fds"] if fd.startswith("/") and "autograder-sandbox" not in fd
                and fd not in ("/dev/null", "/dev/urandom")], found["fds"]  # fmt: skip
    # Its own IPC namespace: the SysV segment it left is gone with it.
    assert found["shm"] >= 0 and _shared_memory_segments() == segments_before
    if FULL_CAPS.get("cgroups"):
        assert sandbox_cgroup_name(found["cgroup"]), found["cgroup"]
    assert not (REPO / "planted.txt").exists()
    assert not sandbox_uids_running({found["uid"]})
    assert not Path(found["cwd"]).exists(), "the kernel's private folder was left behind"


def _shared_memory_segments() -> set[str]:
    lines = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    return {line.split()[1] for line in lines}


def sandbox_cgroup_name(text: str) -> bool:
    return "autograder-kernel-" in text


def test_a_kernel_leaves_what_the_zygote_imported_out_of_its_collections(tmp_path):
    # Walking the preloaded modules on every collection took half a grading kernel's CPU time.
    nb = run(["import gc; print(gc.get_freeze_count())"], tmp_path, sandbox.SandboxSettings())
    assert int(stdout(nb.cells[0])) > 50_000, "the zygote did not gc.freeze() what it imported"


@needs_full_sandbox
@pytest.mark.skipif(not sandbox.probe().get("cgroups"), reason="no cgroup can be made here")
def test_memory_is_limited_per_kernel_not_per_process(tmp_path):
    code = """\
import subprocess, sys
child = "b = bytearray(400 << 20); import time; time.sleep(3)"
procs = [subprocess.Popen([sys.executable, "-c", child]) for _ in range(3)]
print([p.wait() for p in procs])
"""
    # 3 x 400 MiB under a limit of 1 GiB for the kernel and all it starts: one is killed.
    # With per-process limits only (rlimits), each would fit and all would survive.
    nb = run([code], tmp_path, sandbox.SandboxSettings(memory_bytes=1 << 30))
    codes = json.loads(stdout(nb.cells[0]).strip().replace("'", '"'))
    assert -9 in codes, codes


@needs_full_sandbox
def test_the_private_folder_has_a_size_of_its_own(tmp_path):
    code = """\
try:
    with open("fill.bin", "wb") as file:
        for _ in range(64):
            file.write(b"x" * (1 << 20))
            file.flush()
    print("wrote 64 MiB")
except OSError as error:
    print(type(error).__name__, error.errno)
"""
    settings = sandbox.SandboxSettings(private_bytes=16 << 20, file_bytes=1 << 30)
    nb = run([code], tmp_path, settings)
    assert stdout(nb.cells[0]).strip() == "OSError 28", stdout(nb.cells[0])  # ENOSPC


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
