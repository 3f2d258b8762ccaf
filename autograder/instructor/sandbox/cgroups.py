"""A control group per grading kernel: limits for the kernel and everything it starts, together.

Resource limits (``setrlimit``) count one process at a time: four processes of one notebook each
get the whole memory limit. A cgroup counts the kernel and every process it starts together, and
is removed with them. cgroup v2 (``memory.max``, ``pids.max``, ``cpu.weight``) where the machine
has it with those controllers, else cgroup v1's memory, pids and cpu hierarchies
(``memory.limit_in_bytes``, ``pids.max``, ``cpu.shares``), else nothing: then the rlimits are
all there is, and :func:`available` says so (``isolation_report`` shows it).

The groups are made under the grader's own group in each hierarchy (where it was delegated).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PREFIX = "autograder-kernel-"


def _own_groups() -> dict[str, str]:
    """``{controller or "": path}`` of this process, from /proc/self/cgroup."""
    groups = {}
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                groups[controller] = path
    except OSError:
        pass
    return groups


def _v2_root() -> Path | None:
    for candidate in (ROOT, ROOT / "unified"):
        if (candidate / "cgroup.controllers").exists():
            return candidate
    return None


def _v2_parent() -> Path | None:
    root = _v2_root()
    own = _own_groups().get("")
    if root is None or own is None:
        return None
    parent = root / own.lstrip("/")
    wanted = {"memory", "pids"}
    try:
        enabled = set((parent / "cgroup.subtree_control").read_text().split())
        available = set((parent / "cgroup.controllers").read_text().split())
    except OSError:
        return None
    if not wanted <= available:
        return None
    if not wanted <= enabled:
        try:  # delegate them to our children (fails when this group has processes of its own)
            (parent / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in wanted))
        except OSError:
            return None
    return parent


def _v1_parents() -> dict[str, Path]:
    own = _own_groups()
    found = {}
    for controller, folder in (("memory", "memory"), ("pids", "pids"), ("cpu", "cpu")):
        base = ROOT / folder
        if (base / "cgroup.procs").exists() and controller in own:
            parent = base / own[controller].lstrip("/")
            if os.access(parent, os.W_OK):
                found[controller] = parent
    return found


def available() -> str:
    """``"v2"``, ``"v1"`` or ``""`` (no cgroup this process may make children in)."""
    if os.geteuid() != 0:
        return ""
    if _v2_parent() is not None:
        return "v2"
    v1 = _v1_parents()
    return "v1" if {"memory", "pids"} <= set(v1) else ""


@dataclass
class KernelGroup:
    """The cgroup(s) of one kernel: ``add(pid)``, then ``remove()`` once it has exited."""

    folders: list[Path]

    def add(self, pid: int) -> None:
        for folder in self.folders:
            (folder / "cgroup.procs").write_text(str(pid))

    def remove(self) -> None:
        for folder in self.folders:
            for _ in range(50):  # the kernel's processes are gone when its PID namespace ends
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    with contextlib.suppress(OSError):
                        for pid in (folder / "cgroup.procs").read_text().split():
                            os.kill(int(pid), 9)
                    import time

                    time.sleep(0.02)


def create(name: str, memory_bytes: int, processes: int, cpu_weight: int = 100) -> KernelGroup:
    """A new cgroup (v2, else v1) with these limits; raises OSError when none can be made."""
    name = PREFIX + name
    parent = _v2_parent()
    if parent is not None:
        folder = parent / name
        folder.mkdir()
        (folder / "memory.max").write_text(str(memory_bytes))
        with contextlib.suppress(OSError):  # no swap on many machines
            (folder / "memory.swap.max").write_text("0")
        (folder / "pids.max").write_text(str(processes))
        with contextlib.suppress(OSError):  # the cpu controller may not be delegated
            (folder / "cpu.weight").write_text(str(cpu_weight))
        return KernelGroup([folder])
    parents = _v1_parents()
    if not {"memory", "pids"} <= set(parents):
        raise OSError("no cgroup hierarchy to make a kernel's group in")
    folders = []
    try:
        for controller, base in parents.items():
            folder = base / name
            folder.mkdir()
            folders.append(folder)
            if controller == "memory":
                (folder / "memory.limit_in_bytes").write_text(str(memory_bytes))
                with contextlib.suppress(OSError):
                    (folder / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
            elif controller == "pids":
                (folder / "pids.max").write_text(str(processes))
            elif controller == "cpu":
                (folder / "cpu.shares").write_text(str(max(2, cpu_weight * 1024 // 100)))
    except BaseException:
        KernelGroup(folders).remove()
        raise
    return KernelGroup(folders)
