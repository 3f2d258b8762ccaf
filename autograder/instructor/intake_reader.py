"""The part of the intake that touches a submission folder: walk it without following links.

Standard library only, because it also runs on its own (``python -I -S intake_reader.py``): when
the grader is root, :mod:`autograder.instructor.intake` starts it as a fresh interpreter, which
opens the submission folder as root (each path component below the trusted base with
``O_NOFOLLOW``), then drops to an unprivileged user (the folder's owner, or nobody) and reads
everything inside with that user's rights. It gets a JSON request on stdin and writes a stream of
events on stdout: one JSON line each, a file's line followed by exactly its bytes.

What is taken: regular files the request declares (by relative path), with one name each
(``st_nlink == 1``), up to their size cap, opened with ``O_NOFOLLOW | O_NONBLOCK`` and checked with
``fstat`` to be the very file that was examined. Everything else is refused with a reason:
symbolic links (never followed), folders nobody asked for, hard links, named pipes, sockets,
devices, undeclared files, files over their cap or over the submission's total. Names matching
the ``skip`` patterns (nbgrader's ``CourseDirectory.ignore``) are left out without a refusal.
"""

from __future__ import annotations

import errno
import fnmatch
import json
import os
import stat
import sys

OPEN_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: a FIFO swapped in after the lstat cannot make the open wait for a writer.
OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
CHUNK = 1 << 16
SHOWN_LIMIT = 200


class Stop(Exception):
    """The walk cannot go on (the submission folder itself is refused, or too many entries)."""


def shown(text: str, limit: int = SHOWN_LIMIT) -> str:
    """A name as it can be printed anywhere: control characters escaped, long names cut."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _what(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    return "not a regular file"


def limit_for(request: dict, path: str) -> int | None:
    limits = request.get("limits", {})
    small = request.get("small", {})
    if path in small:
        return small[path]
    if path in request.get("notebooks", ()):
        return limits.get("notebook_bytes")
    return limits.get("file_bytes")


def declared(request: dict, path: str) -> bool:
    if request.get("any_regular"):
        return True
    if path in request.get("notebooks", ()) or path in request.get("files", ()):
        return True
    return any(f.endswith("/") and path.startswith(f) for f in request.get("files", ()))


def _folder_declared(request: dict, path: str) -> bool:
    """``path`` (ending in /) leads to a declared file or lies in a declared folder."""
    if request.get("any_regular"):
        return True
    declared = [*request.get("notebooks", ()), *request.get("files", ())]
    return any(d.startswith(path) or (d.endswith("/") and path.startswith(d)) for d in declared)


def _own_hard_link(request: dict, info, state: dict) -> bool:
    """A hard link a student made to a file of their own, in their own folder: it gives them
    nothing they could not copy, and refusing it would let a classmate who links to a victim's
    file (which then has two names too) take the victim's notebook away. In a folder of root or
    of the grader, whose files the reader could not tell apart, every hard link is refused."""
    owner = state.get("owner")
    return owner not in (0, *request.get("trusted_uids", ())) and info.st_uid == owner


def _skipped(request: dict, name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in request.get("skip", ()))


def _readlink(name: str, folder: int) -> str:
    try:
        return shown(os.readlink(name, dir_fd=folder))
    except OSError:
        return "?"


def open_submission(request: dict) -> int:
    """A descriptor of the submission folder: the trusted base opened as it is, every component
    below it with O_NOFOLLOW. Raises Stop with the reason when the folder cannot be taken."""
    fd = os.open(request["base"], os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    walked = []
    for component in request.get("relative", ()):
        walked.append(component)
        here = shown("/".join(walked))
        if component in ("", ".", "..") or "/" in component or "\0" in component:
            os.close(fd)
            raise Stop(f"the submission folder's name {here!r} is not a plain name")
        try:
            info = os.stat(component, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                target = _readlink(component, fd)
                raise Stop(
                    f"the submission folder {here!r} is a symbolic link (to {target!r}); "
                    "links are never followed, so nothing in it was taken"
                )
            if not stat.S_ISDIR(info.st_mode):
                raise Stop(f"the submission {here!r} is {_what(info.st_mode)} instead of a folder")
            child = os.open(component, OPEN_DIRECTORY, dir_fd=fd)
        except FileNotFoundError:
            os.close(fd)
            raise Stop(f"the submission folder {here!r} does not exist") from None
        except Stop:
            os.close(fd)
            raise
        except OSError as error:
            os.close(fd)
            reason = f"the submission folder {here!r} could not be opened: {error.strerror}"
            raise Stop(reason) from None
        os.close(fd)
        fd = child
    return fd


def walk(request: dict, folder: int, state: dict | None = None):
    """Events of the submission folder open at ``folder``: ``("file", path, fd, size)`` (the
    consumer reads ``size`` bytes from ``fd`` and closes it), ``("refused", path, reason)``,
    ``("skipped", path)``. A refusal of path ``""`` refuses the whole submission. Counts in
    ``state["denied"]`` the entries this user had no permission to read. Closes ``folder``."""
    state = state if state is not None else {}
    state.update(entries=0, bytes=0, denied=0, owner=os.fstat(folder).st_uid)
    try:
        yield from _walk(request, folder, "", state)
    except Stop as stop:
        yield ("refused", "", str(stop))
    finally:
        os.close(folder)


def _walk(request: dict, folder: int, prefix: str, state: dict):
    limits = request.get("limits", {})
    names = sorted(os.listdir(folder))
    for name in names:
        path = prefix + name
        state["entries"] += 1
        most = limits.get("entries")
        if most is not None and state["entries"] > most:
            raise Stop(
                f"the submission holds more than {most} files and folders; the rest "
                f"(from {shown(path)!r} on) was not looked at"
            )
        if _skipped(request, name):
            yield ("skipped", path)
            continue
        try:
            info = os.stat(name, dir_fd=folder, follow_symlinks=False)
        except OSError as error:
            state["denied"] += error.errno == errno.EACCES
            yield ("refused", path, f"could not be examined: {error.strerror}")
            continue
        mode = info.st_mode
        if stat.S_ISLNK(mode):
            target = _readlink(name, folder)
            yield ("refused", path, f"a symbolic link (to {target!r}); links are never followed")
        elif stat.S_ISDIR(mode):
            if not _folder_declared(request, path + "/"):
                yield ("refused", path + "/", "a folder this assignment does not ask for")
                continue
            try:
                child = os.open(name, OPEN_DIRECTORY, dir_fd=folder)
            except OSError as error:
                state["denied"] += error.errno == errno.EACCES
                yield ("refused", path + "/", f"could not be opened: {error.strerror}")
                continue
            try:
                yield from _walk(request, child, path + "/", state)
            finally:
                os.close(child)
        elif stat.S_ISREG(mode):
            yield from _regular(request, folder, name, path, info, state)
        else:
            yield ("refused", path, _what(mode))


def _regular(request: dict, folder: int, name: str, path: str, info, state: dict):
    limits = request.get("limits", {})
    if not declared(request, path):
        yield ("refused", path, "not a file of this assignment")
        return
    if info.st_nlink > 1 and not _own_hard_link(request, info, state):
        yield (
            "refused",
            path,
            f"a hard link (the same file has {info.st_nlink} names, so it may be someone "
            "else's file)",
        )
        return
    cap = limit_for(request, path)
    if cap is not None and info.st_size > cap:
        yield ("refused", path, f"{info.st_size} bytes, more than the limit of {cap}")
        return
    total = limits.get("total_bytes")
    if total is not None and state["bytes"] + info.st_size > total:
        yield (
            "refused",
            path,
            f"the submission's files add up to more than the limit of {total} bytes",
        )
        return
    try:
        fd = os.open(name, OPEN_FILE, dir_fd=folder)
    except OSError as error:
        state["denied"] += error.errno == errno.EACCES
        yield ("refused", path, f"could not be opened: {error.strerror}")
        return
    opened = os.fstat(fd)
    same = (opened.st_dev, opened.st_ino) == (info.st_dev, info.st_ino)
    links_ok = opened.st_nlink == 1 or _own_hard_link(request, opened, state)
    if not (stat.S_ISREG(opened.st_mode) and same and links_ok):
        os.close(fd)
        yield ("refused", path, "changed while it was being read")
        return
    if cap is not None and opened.st_size > cap:
        os.close(fd)
        yield ("refused", path, f"{opened.st_size} bytes, more than the limit of {cap}")
        return
    state["bytes"] += opened.st_size
    yield ("file", path, fd, opened.st_size)


def read_exactly(fd: int, size: int) -> bytes:
    """Up to ``size`` bytes of ``fd`` (fewer if the file shrank): never more than fstat said."""
    parts, left = [], size
    while left > 0:
        part = os.read(fd, min(CHUNK, left))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


# --- the stand-alone reader (the grader is root) --------------------------------------------


def drop_privileges(uid: int, gid: int) -> None:
    """Become ``uid``/``gid`` for good, with no supplementary groups (root's would be kept)."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid) or os.getgroups():
        raise SystemExit("intake reader: could not drop privileges")


def _emit(out, event: dict, data: bytes = b"") -> None:
    out.write(json.dumps(event).encode() + b"\n")
    if data:
        out.write(data)


def serve(request: dict, out) -> None:
    """Open the submission as the current user (root), drop to ``request["user"]`` and stream
    the events to ``out``."""
    try:
        folder = open_submission(request)
    except Stop as stop:
        _emit(out, {"kind": "refused", "path": "", "reason": str(stop)})
        _emit(out, {"kind": "done", "denied": 0})
        return
    user = request.get("user")
    if user is not None:
        drop_privileges(*user)
    state: dict = {}
    for event in walk(request, folder, state):
        if event[0] == "file":
            _, path, fd, size = event
            try:
                data = read_exactly(fd, size)
            finally:
                os.close(fd)
            _emit(out, {"kind": "file", "path": path, "bytes": len(data)}, data)
        elif event[0] == "refused":
            _emit(out, {"kind": "refused", "path": event[1], "reason": event[2]})
        else:
            _emit(out, {"kind": "skipped", "path": event[1]})
    _emit(out, {"kind": "done", "denied": state["denied"], "uid": os.getuid()})


if __name__ == "__main__":
    serve(json.loads(sys.stdin.buffer.read()), sys.stdout.buffer)
    sys.stdout.buffer.flush()
