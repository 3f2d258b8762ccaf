"""Let the class's users run this repository's Python where it sits under a private folder.

The course's virtual environment points at its interpreter, and on these machines that is pyenv's
under ``/root`` (mode 0700): a student's server, running as the student, could not even start
Python. Rather than open ``/root`` to everyone, the hub runs in a mount namespace of its own (as
root, before it starts anything) where each private folder on the way to the interpreter, the
virtual environment and the repository is replaced by a small read-only view that holds only
what is needed: ``/root`` shows ``.pyenv`` and nothing else. Everything the hub starts (the
proxy, the users' servers, their kernels and terminals) inherits that view; the rest of the
machine sees no change, and the view disappears with the hub's last process.
"""

from __future__ import annotations

import ctypes
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

CLONE_NEWNS = 0x00020000


def needed_paths(repo: Path) -> list[str]:
    """What the users' processes must read: the interpreter, the environment, the repository."""
    return sorted({sys.base_prefix, sys.prefix, os.path.realpath(sys.executable), str(repo)})


def blocked_ancestor(path: str) -> tuple[str, str] | None:
    """The first folder on the way to ``path`` that others cannot enter, and its child on the way.

    ``("/root", ".pyenv")`` for ``/root/.pyenv/versions/3.12.1``; None when everyone can reach it.
    """
    current = Path("/")
    for part in Path(path).parts[1:]:
        if not os.stat(current).st_mode & stat.S_IXOTH:
            return str(current), part
        current = current / part
    return None


def blocked(paths: list[str]) -> dict[str, set[str]]:
    """Private folder -> the children of it that must be shown."""
    found: dict[str, set[str]] = {}
    for path in paths:
        if os.path.exists(path) and (hit := blocked_ancestor(path)):
            found.setdefault(hit[0], set()).add(hit[1])
    return found


def _unshare_mounts() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare(CLONE_NEWNS): {os.strerror(errno)}")


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, text=True)


def expose(paths: list[str]) -> list[str]:
    """In a new mount namespace of this process, show ``paths`` to every user; returns the
    private folders that were replaced by a view (empty: nothing needed, no namespace made).

    Call it before starting any thread (``unshare`` of the mount namespace needs a process that
    shares its filesystem context with no other thread).
    """
    todo = blocked(paths)
    if not todo:
        return []
    _unshare_mounts()
    _mount("--make-rprivate", "/")
    replaced = []
    for _ in range(8):  # one level of private folders at a time (a private folder in a private one)
        if not todo:
            break
        for folder, children in sorted(todo.items()):
            stash = tempfile.mkdtemp(prefix="hub-view-")  # 0700, root's
            _mount("--bind", folder, stash)
            _mount("-t", "tmpfs", "-o", "size=64k,mode=755", "tmpfs", folder)
            for child in sorted(children):
                original = os.path.join(stash, child)
                target = os.path.join(folder, child)
                if os.path.isdir(original):
                    os.mkdir(target, 0o755)
                else:
                    Path(target).touch(0o644)
                _mount("--rbind", original, target)
                _mount("-o", "remount,bind,ro", target)
            _mount("--make-rprivate", stash)
            subprocess.run(["umount", "--lazy", stash], check=True)
            os.rmdir(stash)
            # The tmpfs itself holds only mount points: make it read-only too.
            _mount("-o", "remount,ro", folder)
            replaced.append(folder)
        todo = blocked(paths)
    if todo:
        raise RuntimeError(f"could not make these readable to the class's users: {sorted(todo)}")
    return replaced
