"""The few Linux calls the sandbox needs that Python's os module lacks (mount, prctl, ...).

os.unshare arrived in Python 3.12; the LTS environment runs 3.11, so libc is called directly.
"""

from __future__ import annotations

import ctypes
import os

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
CLONE_NEWNS, CLONE_NEWIPC = 0x00020000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                        ctypes.c_char_p]  # fmt: skip
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                        ctypes.c_ulong]  # fmt: skip


def _fail(what: str) -> OSError:
    err = ctypes.get_errno()
    return OSError(err, f"{what}: {os.strerror(err)}")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    def b(text):
        return None if text is None else os.fsencode(text)

    if _libc.mount(b(source), b(target), b(fstype), flags, b(data) if data else None) != 0:
        raise _fail(f"mount {source} on {target}")


def umount(target: str) -> None:
    """Detach the mount on ``target`` (lazily: it goes when nothing uses it any more)."""
    if _libc.umount2(os.fsencode(target), MNT_DETACH) != 0:
        raise _fail(f"umount {target}")


def unshare(flags: int) -> None:
    if hasattr(os, "unshare"):
        os.unshare(flags)
    elif _libc.unshare(flags) != 0:
        raise _fail("unshare")


def prctl(option: int, value: int) -> None:
    if _libc.prctl(option, value, 0, 0, 0) != 0:
        raise _fail("prctl")
