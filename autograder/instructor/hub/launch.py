"""``python -m autograder hub``: one class on a JupyterHub, from set-up to clean-up.

1. Accounts: an instructor, ``--students`` students (``HUB_STUDENTS``, default 3) and a grader
   account that runs the formgrader. As root they are real Unix users with private homes and
   random passwords (PAM checks them); otherwise the fallback mode (see :mod:`.config`).
2. The course folder, in the grader's home: a copy of ``source/`` and an ``nbgrader_config.py``
   that loads this repository's (sandboxed autograde, feedback without hidden tests) on that
   folder; the students on the roster.
3. nbgrader's exchange, shared by everybody's servers: ``<hub dir>/exchange`` (1777: anyone can
   make a course in it, nobody can remove another's), with the course's folder made for the grader
   so that no student can take its name first. nbgrader gives its inbound folder 2733 (students
   write submissions, only the grader lists them) and the feedback folder 0711.
4. Jupyter configuration per role (``<hub dir>/etc/<role>``, on each server's
   ``JUPYTER_CONFIG_PATH``): students get the *Assignments* tab and *Validate*, the instructor also
   the course list, the grader's server the formgrader.
5. JupyterHub with its proxy (``npm ci`` in this folder), all on 127.0.0.1; then the URL and the
   accounts are printed and the command waits. Ctrl+C (or SIGTERM) stops the hub, whatever is
   left of what it started, removes the accounts and their homes, and the hub's folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx

from autograder.instructor.hub import COURSE_ID, accounts, interpreter
from autograder.instructor.hub.accounts import Account
from autograder.instructor.paths import REPO, SOURCE, assignment_ids

HERE = Path(__file__).resolve().parent
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
HUB_CONFIG = HERE / "jupyterhub_config.py"
START_SECONDS = 120
STOP_SECONDS = 30

STUDENT_EXTENSIONS = {
    "server": {
        "nbgrader.server_extensions.formgrader": False,
        "nbgrader.server_extensions.course_list": False,
        "nbgrader.server_extensions.assignment_list": True,
        "nbgrader.server_extensions.validate_assignment": True,
    },
    "lab": [
        "@jupyter/nbgrader:formgrader",
        "@jupyter/nbgrader:create-assignment",
        "@jupyter/nbgrader:course-list",
    ],  # fmt: skip
}
ROLE_EXTENSIONS = {
    "student": STUDENT_EXTENSIONS,
    "instructor": {
        "server": {**STUDENT_EXTENSIONS["server"], "nbgrader.server_extensions.course_list": True},
        "lab": ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"],
    },
    "grader": {
        "server": {
            "nbgrader.server_extensions.formgrader": True,
            "nbgrader.server_extensions.course_list": False,
            "nbgrader.server_extensions.assignment_list": False,
            "nbgrader.server_extensions.validate_assignment": True,
        },
        "lab": ["@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:course-list"],
    },
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def default_dir() -> Path:
    return Path(f"/srv/{COURSE_ID}-hub") if os.geteuid() == 0 else REPO / "build" / "hub"


# --- set-up ---


def run_as(account: Account | None, klass: dict, command: list[str], cwd: Path) -> str:
    """Run ``command`` as ``account`` (real-users mode) with the class's PATH; returns stdout."""
    env = {"PATH": klass["path"], "LANG": "C.UTF-8", "HOME": account.home if account else ""}
    if account and account.role == "grader":
        env["JUPYTER_CONFIG_PATH"] = klass["config_dirs"]["grader"]
    prefix = []
    if klass["mode"] == "real-users" and account is not None:
        prefix = ["runuser", "-u", account.name, "--"]
    result = subprocess.run(
        [*prefix, "env", "-i", *(f"{k}={v}" for k, v in env.items()), *command],
        cwd=cwd, capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def write_role_configs(klass: dict) -> None:
    """nbgrader and Jupyter configuration of each role, readable by everybody, owned by root."""
    for role, extensions in ROLE_EXTENSIONS.items():
        folder = Path(klass["config_dirs"][role])
        (folder / "labconfig").mkdir(parents=True, exist_ok=True)
        (folder / "nbgrader_config.py").write_text(
            textwrap.dedent(f"""\
            # Written by `python -m autograder hub` for the {role}s of the class.
            c = get_config()  # noqa: F821
            c.CourseDirectory.course_id = {klass["course_id"]!r}
            c.Exchange.root = {klass["exchange"]!r}
            """)
        )
        server = {
            "ServerApp": {
                "jpserver_extensions": extensions["server"],
                # formgrader is shown in an iframe of JupyterLab, from the same origin
                "tornado_settings": {
                    "headers": {"Content-Security-Policy": "frame-ancestors 'self'"}
                },
            }
        }
        (folder / "jupyter_server_config.json").write_text(json.dumps(server, indent=1))
        disabled = {"disabledExtensions": {name: True for name in extensions["lab"]}}
        (folder / "labconfig" / "page_config.json").write_text(json.dumps(disabled, indent=1))
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


def quiet_lab_settings(account: Account, klass: dict) -> None:
    """A new account is not asked whether to fetch JupyterLab's news (the pop-up covers the
    notebook); the student can switch it on in Settings."""
    folder = Path(account.home) / ".jupyter" / "lab" / "user-settings" / "@jupyterlab"
    settings = folder / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    if klass["mode"] == "real-users":
        owner = f"{account.name}:{account.name}"
        subprocess.run(["chown", "-R", owner, str(Path(account.home) / ".jupyter")], check=True)


def write_course(klass: dict, grader: Account, assignments: list[str]) -> Path:
    """The course folder in the grader's home: source/ and a configuration for that folder."""
    root = Path(klass["course_root"])
    root.mkdir(parents=True)
    (root / "source").mkdir()
    for assignment in assignments:
        shutil.copytree(SOURCE / assignment, root / "source" / assignment,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__",
                                                      "challenge_state.json"))  # fmt: skip
    (root / "nbgrader_config.py").write_text(
        textwrap.dedent(f"""\
        # The course's grading configuration (sandboxed autograde, feedback without the hidden
        # tests), on this folder. Written by `python -m autograder hub`.
        c = get_config()  # noqa: F821
        load_subconfig({str(REPO / "nbgrader_config.py")!r})  # noqa: F821
        c.CourseDirectory.root = {str(root)!r}
        """)
    )
    students = [a for a in klass_accounts(klass) if a.role == "student"]
    (root / "students.csv").write_text(
        "id,first_name,last_name\n"
        + "".join(f"{a.name},{a.first_name},{a.last_name}\n" for a in students)
    )
    if klass["mode"] == "real-users":
        subprocess.run(["chown", "-R", f"{grader.name}:{grader.name}", str(root)], check=True)
    run_as(grader, klass, ["nbgrader", "db", "student", "import", "students.csv"], cwd=root)
    return root


def make_exchange(klass: dict, grader: Account) -> None:
    exchange = Path(klass["exchange"])
    exchange.mkdir()
    exchange.chmod(0o1777)
    course = exchange / klass["course_id"]
    course.mkdir(mode=0o755)
    if klass["mode"] == "real-users":
        os.chown(course, grader.uid, grader.uid)


def klass_accounts(klass: dict) -> list[Account]:
    return [Account(**a) for a in klass["accounts"]]


def set_up(state_dir: Path, students: int, port: int, prefix: str, real_users: bool,
           assignments: list[str]) -> dict:  # fmt: skip
    """Everything the hub needs before it starts; returns the class (also in class.json)."""
    people = accounts.class_accounts(students, prefix)
    if real_users:
        taken = accounts.check_free([a.name for a in people])
        if taken:
            raise SystemExit(
                f"These users exist on this machine and were not made by the hub: {taken}. "
                "Choose other names with --prefix."
            )
    state_dir.mkdir(parents=True, exist_ok=True)
    state_dir.chmod(0o755)
    venv_bin = Path(sys.executable).parent
    klass = {
        "course_id": COURSE_ID,
        "mode": "real-users" if real_users else "single-user",
        "state_dir": str(state_dir),
        "port": port,
        "hub_api_port": free_port(),
        "proxy_api_port": free_port(),
        "service_port": free_port(),
        "venv_bin": str(venv_bin),
        "path": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "proxy_command": str(PROXY),
        "exchange": str(state_dir / "exchange"),
        "config_dirs": {role: str(state_dir / "etc" / role) for role in ROLE_EXTENSIONS},
        "accounts": [],
    }
    grader = next(a for a in people if a.role == "grader")
    for account in people:
        if real_users:
            accounts.create_unix_user(account)
        else:
            account.home = str(state_dir / "homes" / account.name)
            Path(account.home).mkdir(parents=True, exist_ok=True)
        if account.role != "grader":
            quiet_lab_settings(account, {"mode": "real-users" if real_users else ""})
        klass["accounts"].append(account.as_dict())
        write_class_file(klass)  # a set-up that fails from here on is cleaned up too
    klass["grader"] = grader.as_dict()
    klass["course_root"] = str(Path(grader.home) / COURSE_ID)
    write_class_file(klass)
    make_exchange(klass, grader)
    write_role_configs(klass)
    write_course(klass, grader, assignments)
    if not real_users:
        from autograder.instructor.hub.passwords import write_password_file

        write_password_file(
            state_dir / "passwords.json", {a.name: a.password for a in people if a.password}
        )
    return klass


def write_class_file(klass: dict) -> None:
    path = Path(klass["state_dir"]) / "class.json"
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(json.dumps(klass, indent=1))


# --- clean-up ---


def tear_down(klass: dict) -> list[str]:
    """Remove the accounts (stopping their processes first) and the hub's folder."""
    problems = []
    if klass.get("mode") == "real-users":
        for account in klass.get("accounts", []):
            try:
                accounts.remove_unix_user(account["name"])
            except accounts.AccountError as error:
                problems.append(str(error))
    shutil.rmtree(klass["state_dir"], ignore_errors=True)
    return problems


def clean_leftovers(state_dir: Path) -> None:
    """A hub killed without clean-up left its class file: remove what it describes."""
    class_file = state_dir / "class.json"
    if class_file.exists():
        print(f"Removing what a previous hub left in {state_dir} ...")
        problems = tear_down(json.loads(class_file.read_text()))
        if problems:
            raise SystemExit("\n".join(problems))


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent id, start time) of a process, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), fields[19]


def descendants(pid: int) -> list[tuple[int, str]]:
    """Every process under ``pid`` (children, their children, ...), with its start time, so
    that a process id the system has given to someone else meanwhile is never signalled."""
    children: dict[int, list[tuple[int, str]]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (info := _stat(int(entry.name))):
            children.setdefault(info[0], []).append((int(entry.name), info[1]))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child[0])
    return found


def stop_hub(process: subprocess.Popen) -> None:
    """SIGTERM JupyterHub (it stops the servers and the proxy), then kill anything left."""
    started = descendants(process.pid)
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for pid, start_time in started:
        info = _stat(pid)
        if info is not None and info[1] == start_time:  # still the hub's
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


# --- running ---


def wait_until_up(klass: dict, process: subprocess.Popen, log: Path) -> float:
    started = time.monotonic()
    url = f"http://127.0.0.1:{klass['port']}/hub/api/"
    while time.monotonic() - started < START_SECONDS:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterHub exited ({process.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.25)  # polling the port: there is no event to wait on
    raise RuntimeError(f"JupyterHub did not answer in {START_SECONDS} s:\n{log.read_text()}")


def banner(klass: dict, seconds: float) -> str:
    base = f"http://127.0.0.1:{klass['port']}"
    people = [a for a in klass["accounts"] if a["role"] != "grader"]
    width = max(len(a["name"]) for a in people)
    mode = (
        "real Unix users, passwords checked by PAM"
        if klass["mode"] == "real-users"
        else "FALLBACK (no real users): every server runs as you, files are not private between "
        "accounts; passwords checked against the class's password file"
    )
    lines = [
        f"The class {klass['course_id']} is up in {seconds:.1f} s: {base}/",
        f"  accounts ({mode}):",
        *(f"    {a['role']:<10} {a['name']:<{width}}  password: {a['password']}" for a in people),
        f"  formgrader (instructor only): {base}/services/{klass['course_id']}/formgrader",
        f"  course folder: {klass['course_root']} (user {klass['grader']['name']})",
        f"  exchange: {klass['exchange']}",
        f"  autograde with the full sandbox (as root): {sys.executable} -m autograder hub "
        f"grade ASSIGNMENT --dir {klass['state_dir']}",
        f"  log: {Path(klass['state_dir']) / 'jupyterhub.log'}",
        "Ctrl+C stops the hub and removes the accounts, their homes and the course folder.",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder hub",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--students", type=int, default=int(os.environ.get("HUB_STUDENTS", 3)))
    parser.add_argument("--port", type=int, default=int(os.environ.get("HUB_PORT", 8000)))
    parser.add_argument("--dir", type=Path, default=None, help="the hub's folder "
                        f"(default: /srv/{COURSE_ID}-hub as root, else build/hub)")  # fmt: skip
    parser.add_argument("--prefix", default="", help="prefix of the account names")
    parser.add_argument(
        "--single-user", action="store_true", help="the fallback mode even when root"
    )
    parser.add_argument("--assignments", nargs="*", default=None,
                        help="assignments of source/ to copy (default: all)")  # fmt: skip
    args = parser.parse_args(argv)
    real_users = os.geteuid() == 0 and not args.single_user
    if not PROXY.exists():
        raise SystemExit(f"{PROXY} is missing: run `npm ci` in {HERE} (make hub does).")
    state_dir = (args.dir or default_dir()).resolve()
    if real_users:
        # First, before any thread: the users must be able to run this Python (see .interpreter).
        interpreter.expose(interpreter.needed_paths(REPO))
    clean_leftovers(state_dir)
    if state_dir.exists():
        shutil.rmtree(state_dir)

    stop = []

    def on_signal(number, frame):
        stop.append(number)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    klass: dict = {"state_dir": str(state_dir)}
    process = None
    try:
        klass = set_up(state_dir, args.students, args.port, args.prefix, real_users,
                       args.assignments or assignment_ids())  # fmt: skip
        log = state_dir / "jupyterhub.log"
        env = {**os.environ, "AUTOGRADER_HUB_CLASS": str(state_dir / "class.json"),
               "PATH": klass["path"]}  # fmt: skip
        with log.open("w") as output:
            process = subprocess.Popen(
                [str(Path(klass["venv_bin"]) / "jupyterhub"), "-f", str(HUB_CONFIG)],
                cwd=state_dir, env=env, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl+C reaches us; we stop the hub ourselves
            )  # fmt: skip
        seconds = wait_until_up(klass, process, log)
        (state_dir / "ready").write_text(f"{seconds:.2f}\n")
        print(banner(klass, seconds), flush=True)
        while not stop and process.poll() is None:
            time.sleep(0.2)
        if process.poll() is not None and not stop:
            print(f"JupyterHub exited ({process.returncode}); see {log}", file=sys.stderr)
            print(log.read_text()[-4000:], file=sys.stderr)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl+C must not stop clean-up
        print("Stopping the hub ...", flush=True)
        if process is not None:
            stop_hub(process)
        class_file = state_dir / "class.json"
        if class_file.exists():  # a set-up that failed halfway wrote what it made so far
            klass = json.loads(class_file.read_text())
        problems = tear_down(klass) if "accounts" in klass else []
        shutil.rmtree(state_dir, ignore_errors=True)
        print("Stopped; accounts and their homes removed." if not problems else "\n".join(problems))
    return 0 if process is not None and (stop or process.returncode == 0) else 1
