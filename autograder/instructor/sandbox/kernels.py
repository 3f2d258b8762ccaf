"""Grading kernels that run with fewer rights than the instructor, started fast.

nbgrader runs a submission in an IPython kernel that, by default, is an ordinary process of the
instructor: it can read and write the gradebook, other students' folders and anything else the
instructor can. :class:`SandboxKernelManager` starts each grading kernel instead through the
zygote (:mod:`autograder.instructor.sandbox.zygote`), which forks it from a warm process and
locks it down:

* its own user id (no one else's files are writable to it; two kernels never share an id),
* its own mount namespace: the course's source/, release/, submitted/, autograded/, feedback/
  folders and the gradebook are hidden; /tmp and the other world-writable folders are private,
  size-limited tmpfs mounts; the interpreter is readable even where it lives under /root,
* its own PID namespace (it sees only its own processes; everything it starts dies with it) and
  network namespace (a private loopback, nothing else: not the PostgreSQL gradebook either),
* resource limits (memory, file size, processes), a private working folder holding a copy of the
  assignment's files (not the notebook), and an environment stripped of the grader's variables.

The kernel talks to nbgrader over Unix sockets in its private folder (ZeroMQ ``ipc`` transport),
so no TCP port is open to other local users either.

All of this needs root (the grader drops to the kernel's user id) and a kernel that permits
namespaces. Without them the kernel still gets its private folder, environment and limits, but
runs as the instructor; :func:`isolation_report` says which level this machine gives, and
``require_isolation`` refuses to grade without the full sandbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from autograder.instructor.paths import REPO
from autograder.instructor.sandbox import linux

# The kernels' user ids are this base plus the process id of the sandbox process that starts
# them: far above any real account, and never shared by two kernels that run at the same time.
DEFAULT_UID_BASE = 1_500_000_000
GiB, MiB = 1 << 30, 1 << 20
# Folders of a course that a kernel never sees (CourseDirectory's defaults).
COURSE_FOLDERS = ("source", "release", "submitted", "autograded", "feedback")
# A copy of the assignment's other files is made for the kernel, up to this much in all.
MAX_COPIED_BYTES = 50 * MiB


@dataclass(frozen=True)
class SandboxSettings:
    """How a grading kernel is confined (see the module docstring)."""

    memory_bytes: int = 4 * GiB
    file_bytes: int = 64 * MiB
    tmpfs_bytes: int = 256 * MiB
    processes: int = 256
    uid_base: int = DEFAULT_UID_BASE
    switch_user: bool = True
    isolate: bool = True
    require_isolation: bool = False
    hide: tuple[str, ...] = ()
    # The instructor's files of the assignment (its source folder), copied into the kernel's
    # folder: never the submission's own extra files.
    assignment_files: str | None = None
    private_bytes: int = 256 * MiB  # size of the kernel's private folder (a tmpfs of its own)
    cgroup: bool = True  # one control group per kernel where the machine allows it
    fresh_interpreter: bool = False  # exec a new interpreter instead of forking the zygote's
    extra_env: dict[str, str] = field(default_factory=dict)
    # Called with the kernel's private folder before the kernel starts (the judge makes its
    # folder and services there); returns more environment variables for the kernel.
    prepare: Callable[[Path], dict[str, str]] | None = None


class SandboxUnavailable(RuntimeError):
    """The full sandbox was required but this machine does not allow it."""


# --- the zygote, one per grading process (or one per run, shared over a socket) ---

# Set by `python -m autograder grade` for its workers: the Unix socket of the run's zygote.
SHARED_ZYGOTE_ENV = "AUTOGRADER_ZYGOTE_SOCKET"


def _zygote_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "autograder.instructor.sandbox.zygote", *args]


class Zygote:
    """The warm process that forks kernels: a child of this process, started on first use,
    or (``socket_path``) a connection to the zygote a grading run shares between its workers."""

    def __init__(
        self, socket_path: str | None = None, listen: str | None = None, stderr=None
    ) -> None:
        self._stderr = stderr
        self._process: subprocess.Popen | None = None
        self._socket = None
        self._socket_path = socket_path
        self._listen = listen
        self._lock = threading.Lock()
        self._owner = os.getpid()
        self.capabilities: dict[str, Any] = {}

    def _start(self) -> None:
        if self._socket_path:
            import socket

            self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._socket.connect(self._socket_path)
            self._replies = self._socket.makefile("r", encoding="utf-8")
            self.capabilities = json.loads(os.environ.get(SHARED_ZYGOTE_ENV + "_CAPS", "{}"))
            return
        args = ("--listen", self._listen) if self._listen else ()
        self._process = subprocess.Popen(
            _zygote_command(*args),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd="/",
            text=True,
            bufsize=1,
            env=kept_environment(),  # the kernels are forked from it: no secret of ours in it
            close_fds=True,
        )
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(
                "the kernel sandbox (autograder.instructor.sandbox.zygote) failed to start"
            )
        self.capabilities = json.loads(line)
        if self._listen and not json.loads(self._process.stdout.readline()).get("listening"):
            raise RuntimeError("the shared kernel sandbox did not start listening")
        self._replies = self._process.stdout

    def _running(self) -> bool:
        if self._socket_path:
            return self._socket is not None
        return self._process is not None and self._process.poll() is None

    def request(self, message: dict) -> dict:
        with self._lock:
            if not self._running():
                self._start()
            line = json.dumps(message) + "\n"
            if self._socket is not None:
                self._socket.sendall(line.encode())
            else:
                self._process.stdin.write(line)
                self._process.stdin.flush()
            reply = self._replies.readline()
        if not reply:
            raise RuntimeError("the kernel sandbox (autograder.instructor.sandbox.zygote) stopped")
        return json.loads(reply)

    def ensure_started(self) -> dict:
        with self._lock:
            if not self._running():
                self._start()
        return self.capabilities

    def stop(self) -> None:
        with self._lock:
            process, self._process = self._process, None
            sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()
        if process is None or os.getpid() != self._owner:
            return
        try:
            process.stdin.close()
            process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        process.stdout.close()


_zygote: Zygote | None = None
_zygote_lock = threading.Lock()


def zygote() -> Zygote:
    """This process's zygote (a forked process gets a new one)."""
    global _zygote
    with _zygote_lock:
        if _zygote is None or _zygote._owner != os.getpid():
            _zygote = Zygote(socket_path=os.environ.get(SHARED_ZYGOTE_ENV))
            import atexit

            atexit.register(_zygote.stop)
            try:  # multiprocessing workers leave through os._exit, without atexit
                from multiprocessing import util

                util.Finalize(_zygote, _zygote.stop, exitpriority=10)
            except ImportError:  # pragma: no cover
                pass
        return _zygote


def stop_zygote() -> None:
    if _zygote is not None:
        _zygote.stop()


@contextlib.contextmanager
def shared_zygote(folder: Path):
    """One zygote for a whole grading run: its workers connect to it instead of starting theirs.

    Sets the environment variable the workers read (they inherit it) while the block runs.
    """
    path = str(folder / "zygote.sock")
    log = open(folder / "kernels.log", "ab")  # what kernels write to their own stderr
    shared = Zygote(listen=path, stderr=log)
    try:
        caps = shared.ensure_started()
    except BaseException:
        log.close()
        raise
    saved = {k: os.environ.get(k) for k in (SHARED_ZYGOTE_ENV, SHARED_ZYGOTE_ENV + "_CAPS")}
    os.environ[SHARED_ZYGOTE_ENV] = path
    os.environ[SHARED_ZYGOTE_ENV + "_CAPS"] = json.dumps(caps)
    try:
        yield caps
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shared.stop()
        log.close()


def kept_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """What a kernel (and the zygote it is forked from) keeps of the grader's environment."""
    from autograder.instructor.sandbox.zygote import KEPT_ENVIRONMENT

    env = {k: v for k, v in os.environ.items() if k in KEPT_ENVIRONMENT or k.startswith("LC_")}
    return {**env, **(extra or {})}


def probe() -> dict[str, Any]:
    """What this machine allows, from a zygote that preloads nothing (a fraction of a second)."""
    result = subprocess.run(
        _zygote_command("--probe"), capture_output=True, text=True, cwd="/", check=True,
        env=kept_environment(),
    )  # fmt: skip
    return json.loads(result.stdout.splitlines()[0])


def isolation_report(caps: dict[str, Any] | None = None) -> dict[str, Any]:
    """What this machine allows: ``{"level": "full"|"partial", "why": ...}``."""
    caps = caps or probe()
    problems = []
    if not caps.get("root"):
        problems.append(
            "the grader does not run as root, so kernels keep the instructor's user id and can "
            "read what the instructor can (the course folder, its gradebook and its secret)"
        )
    if caps.get("namespaces") != "ok":
        problems.append(
            f"no namespaces for the kernel ({caps.get('namespaces')}): it shares the grader's "
            "file system view, network and processes"
        )
    limits = (
        f"per kernel (cgroup {caps['cgroups']})"
        if caps.get("cgroups")
        else "per process only (rlimits: no cgroup can be made here)"
    )
    return {
        "level": "partial" if problems else "full",
        "why": "; ".join(problems),
        "limits": limits,
    }


def _sandbox_base() -> Path:
    base = Path(tempfile.gettempdir()) / f"autograder-sandbox-{os.geteuid()}"
    base.mkdir(mode=0o711, exist_ok=True)
    info = base.lstat()
    if info.st_uid != os.geteuid() or not base.is_dir() or base.is_symlink():
        raise RuntimeError(f"{base} is not a folder of this user; remove it and try again")
    base.chmod(0o711)
    return base


def _package_path(name: str) -> str | None:
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return str(Path(list(spec.submodule_search_locations)[0]).resolve())
    return str(Path(spec.origin).resolve()) if spec.origin else None


def runtime_paths() -> list[str]:
    """What a grading kernel imports of the course: the runtime and demo_project (read-only)."""
    paths = [_package_path("autograder.runtime"), _package_path("demo_project")]
    package = _package_path("autograder")
    if package:
        paths.append(str(Path(package) / "__init__.py"))
    return [p for p in paths if p]


def grader_only_paths() -> list[str]:
    """The course's code a grading kernel must never import: the judge, the instructor's tools."""
    return [
        p for p in (_package_path("autograder.judge"), _package_path("autograder.instructor")) if p
    ]


def _readable_paths() -> list[str]:
    """What the kernel's user must be able to read: the interpreter, its libraries, the runtime.

    Not the course repository (its .git, reports, catalogue, configuration) nor the course.
    """
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    installed = [Path(p).resolve() for p in prefixes]
    paths = set(prefixes)
    # sys.path entries of the installation (site-packages elsewhere); not the grader's own
    # script folder or PYTHONPATH, which a kernel does not need.
    for entry in sys.path:
        if entry and os.path.exists(entry) and not _in_repository(entry):
            resolved = Path(entry).resolve()
            if any(resolved == base or base in resolved.parents for base in installed):
                paths.add(entry)
    paths.update(runtime_paths())
    return sorted(paths)


def _in_repository(path: str) -> bool:
    """Whether ``path`` is the repository or in it (its virtual environment, if it is there,
    is not: that is the Python installation)."""
    resolved, prefix = Path(path).resolve(), Path(sys.prefix).resolve()
    if resolved == prefix or prefix in resolved.parents:
        return False
    return resolved == REPO or REPO in resolved.parents


def _copy_assignment_files(source: Path, destination: Path) -> None:
    """The assignment's other files (data a notebook may open), never the notebooks themselves."""
    budget = MAX_COPIED_BYTES
    if not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_symlink() or path.suffix == ".ipynb" or ".ipynb_checkpoints" in relative.parts:
            continue
        target = destination / relative
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif path.is_file() and path.stat().st_size <= budget:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            budget -= path.stat().st_size


# --- jupyter_client plumbing ---


class ZygoteProvisioner(LocalProvisioner):
    """Starts the kernel through the zygote; signals and watches it by process id (pidfd)."""

    private_dir: Path | None = None
    _pidfd: int | None = None
    _exit_code: int | None = None
    _extra_arguments: list[str] = []

    @property
    def has_process(self) -> bool:
        return self.pid is not None

    @property
    def settings(self) -> SandboxSettings:
        return getattr(self.parent, "sandbox", None) or SandboxSettings()

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        km = self.parent
        self.private_dir = Path(tempfile.mkdtemp(prefix="kernel-", dir=_sandbox_base()))
        try:
            if self.settings.private_bytes and self._full_isolation():
                # A folder of a fixed size: a kernel cannot fill the grader's disk.
                options = f"size={self.settings.private_bytes},mode=0700"
                flags = linux.MS_NOSUID | linux.MS_NODEV
                linux.mount("tmpfs", str(self.private_dir), "tmpfs", flags, options)
                self._private_mounted = True
            home = self.private_dir / "home"
            home.mkdir(mode=0o555)  # the kernel's HOME: the grader's, empty and read-only
            if self.settings.assignment_files:  # the instructor's files, never the submission's
                _copy_assignment_files(Path(self.settings.assignment_files), self.private_dir)
            self._prepared_env = (
                self.settings.prepare(self.private_dir) if self.settings.prepare else {}
            )
            km.transport = "ipc"
            km.cache_ports = False
            km.ip = str(self.private_dir / "ipc")
            self._extra_arguments = list(kwargs.get("extra_arguments", []))
            kwargs["cwd"] = str(self.private_dir)
            return await super().pre_launch(**kwargs)
        except BaseException:
            self._remove_private_dir()
            raise

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> dict:
        try:
            return await self._launch(cmd, **kwargs)
        except BaseException:  # no kernel: nobody will call cleanup() for its folder
            self._remove_private_dir()
            raise

    def _remove_private_dir(self) -> None:
        if self.private_dir is not None:
            if getattr(self, "_private_mounted", False):
                with contextlib.suppress(OSError):
                    linux.umount(str(self.private_dir))
                self._private_mounted = False
            shutil.rmtree(self.private_dir, ignore_errors=True)
            self.private_dir = None

    def _full_isolation(self) -> bool:
        caps = zygote().ensure_started()
        return bool(caps.get("root")) and caps.get("namespaces") == "ok"

    async def _launch(self, cmd: list[str], **kwargs: Any) -> dict:
        if not any("ipykernel" in part for part in cmd):
            raise RuntimeError(f"the grading sandbox runs IPython kernels only, not {cmd}")
        settings = self.settings
        caps = zygote().ensure_started()
        full = bool(caps.get("root")) and caps.get("namespaces") == "ok"
        if settings.require_isolation and not full:
            raise SandboxUnavailable(
                "the grading sandbox is not available here: " + isolation_report(caps)["why"]
            )
        info = dict(self.connection_info)
        info = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in info.items()}
        request = {
            "private_dir": str(self.private_dir),
            "connection_info": info,
            "kernel_args": self._extra_arguments,
            "env": kept_environment(),
            "extra_env": {**settings.extra_env, **getattr(self, "_prepared_env", {})},
            "cgroup": settings.cgroup and bool(caps.get("cgroups")),
            "address_space_bytes": (
                max(settings.memory_bytes, 8 * GiB)
                if settings.cgroup and caps.get("cgroups")
                else settings.memory_bytes
            ),
            "fresh_interpreter": settings.fresh_interpreter,
            "switch_user": bool(caps.get("root")) and settings.switch_user and full,
            "isolate": full and settings.isolate,
            "uid_base": settings.uid_base,
            "memory_bytes": settings.memory_bytes,
            "file_bytes": settings.file_bytes,
            "tmpfs_bytes": settings.tmpfs_bytes,
            "processes": settings.processes,
            "hide": list(settings.hide),
            "readable": _readable_paths(),
        }
        reply = await asyncio.to_thread(zygote().request, request)
        if "error" in reply:
            raise RuntimeError(f"the grading sandbox could not start a kernel: {reply['error']}")
        self.pid, self.pgid = reply["pid"], None
        self.kernel_uid = reply.get("uid")
        self._exit_code = None
        try:
            self._pidfd = os.pidfd_open(self.pid)
        except ProcessLookupError:
            self._pidfd, self._exit_code = None, -1
        self.cwd = str(self.private_dir)
        return self.connection_info

    def _exited(self) -> bool:
        if self._exit_code is not None:
            return True
        if self._pidfd is None:
            return self.pid is None
        ready, _, _ = select.select([self._pidfd], [], [], 0)
        if ready:
            self._exit_code = -1  # not our child: the zygote's child reaps it
        return bool(ready)

    async def poll(self) -> int | None:
        if self.pid is None:
            return 0
        return self._exit_code if self._exited() else None

    async def wait(self) -> int | None:
        while self.pid is not None and not self._exited():  # noqa: ASYNC110 (a pidfd, no Event)
            await asyncio.sleep(0.05)
        code = self._exit_code or 0
        self._forget()
        return code

    def _forget(self) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        self.pid = None

    async def send_signal(self, signum: int) -> None:
        if self.pid is None or self._exited():
            return
        if self._pidfd is not None:
            signal.pidfd_send_signal(self._pidfd, signum)
        else:
            os.kill(self.pid, signum)

    async def kill(self, restart: bool = False) -> None:
        try:
            await self.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass

    async def terminate(self, restart: bool = False) -> None:
        try:
            await self.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass

    async def cleanup(self, restart: bool = False) -> None:
        if self.pid is not None and not self._exited():
            await self.kill()
            await self.wait()
        self._forget()
        if not restart:
            self._remove_private_dir()
        await super().cleanup(restart=restart)

    async def get_provisioner_info(self) -> dict:
        info = await super().get_provisioner_info()
        info["private_dir"] = str(self.private_dir)
        return info


class SandboxKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernels are started by :class:`ZygoteProvisioner`."""

    sandbox: SandboxSettings | None = None

    async def _async_pre_start_kernel(self, **kw: Any):
        self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
        if self.provisioner is None:
            self.provisioner = ZygoteProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        return await super()._async_pre_start_kernel(**kw)


def course_paths_to_hide(
    course_root: Path, db_url: str | None = None, folders: tuple[str, ...] = COURSE_FOLDERS
) -> tuple[str, ...]:
    """What a kernel must not see: the course folder (every nbgrader folder, the gradebook, the
    secret, reports, grade files), the course repository (its .git, catalogue, configuration),
    the gradebook wherever it is, and the grader's own code. The runtime is shown again inside
    them (runtime_paths)."""
    paths = [str(Path(course_root).resolve()), str(REPO)]
    paths += [str(Path(course_root) / name) for name in folders]  # (if they are elsewhere)
    if db_url and db_url.startswith("sqlite:///"):
        database = Path(db_url.removeprefix("sqlite:///"))
        paths.append(str(database if database.is_absolute() else course_root / database))
        paths += [f"{paths[-1]}-journal", f"{paths[-1]}-wal", f"{paths[-1]}-shm"]
    paths += grader_only_paths()
    return tuple(dict.fromkeys(p for p in paths if os.path.lexists(p)))
