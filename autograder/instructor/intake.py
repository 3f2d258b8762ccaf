"""The intake: nothing a student puts in a submission folder reaches grading unless it is a regular
file the assignment asks for.

nbgrader follows links and copies whatever it finds: ``autograde`` and ``generate_feedback``
with ``shutil.copy``, ``collect`` with ``shutil.copytree``. Run as root, that hands a student the
instructor's solution (a notebook that is a symbolic link to ``source/``), a classmate's notebook,
the gradebook or ``/etc/shadow`` (an extra link, copied into ``autograded/`` and ``feedback/`` at
mode 644), or gigabytes of ``/dev/zero``. The intake walks a submission without following links
(:mod:`autograder.instructor.intake_reader`) and takes only regular files the assignment declares:

* its notebooks (from the gradebook, else ``release/<assignment>/``), ``timestamp.txt`` and
  ``submission_secret.txt`` (written by ``nbgrader submit``), the files listed for it in
  ``c.Intake.extra_files`` and in ``c.Autograde.exclude_overwriting``;
* each with one name (no hard links), under its size cap, within the submission's total.

Everything else is refused with a reason: symbolic links, hard links, FIFOs, sockets, devices,
folders and files nobody asked for, files over a cap. Names nbgrader ignores
(``CourseDirectory.ignore``: ``.ipynb_checkpoints``, ...) are left out without a refusal. When the
grader runs as root, the reading happens in a fresh interpreter that opened the submission folder
as root and then dropped to the folder's owner (or to nobody, for a root-owned folder, falling back
to root only when nobody may not read it).

Where it is used (nbgrader_config.py):

* ``nbgrader autograde`` and ``python -m autograder grade`` run :class:`IntakeAutograde`: every
  submission is taken into a clean copy in a private temporary folder, and nbgrader grades that
  copy. A refused notebook scores 0, as a missing one does; refused files never reach
  ``autograded/`` or ``feedback/``; ``submitted/`` itself is left as it was.
* ``nbgrader generate_feedback`` runs :class:`IntakeGenerateFeedback`: only regular files are
  copied to ``feedback/``, every feedback page starts with what the intake refused, and a refused
  notebook gets a page that says why it was not graded.
* ``nbgrader collect`` runs :class:`IntakeCollect` (``c.ExchangeFactory.collect``): the exchange's
  inbound folder is written by students, so a submission is taken into ``submitted/`` through the
  intake; a folder name collect cannot parse, or one that claims another student's name, is
  refused instead of ending the collect or replacing that student's submission.

Every intake is recorded (:class:`Records`): collect's in ``submitted/.intake/``, autograde's in
``autograded/.intake/`` (``<assignment>/<student>.json``; grading kernels see neither folder, and
autograding leaves ``submitted/`` as it was). The grade table of ``python -m autograder grade``,
the grade report and the feedback read the refusals from there.
"""

from __future__ import annotations

import contextlib
import datetime
import fnmatch
import glob
import grp
import html
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode
from nbgrader.converters import Autograde, GenerateFeedback, NbGraderException
from nbgrader.exchange.default.collect import ExchangeCollect, groupby
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Dict, Float, Integer
from traitlets.config import LoggingConfigurable

from autograder.instructor import intake_reader
from autograder.instructor.intake_reader import shown

MiB = 1 << 20
READER = Path(intake_reader.__file__).resolve()
# Files nbgrader's own exchange puts in every submission.
NBGRADER_FILES = {"timestamp.txt": 1024, "submission_secret.txt": 1024}
RECORDS = ".intake"
# Event lines of the reader are short; a longer one means the stream is not what we sent.
MAX_EVENT_LINE = 1 << 16
STUDENT_ID = re.compile(r"[^/\0]+")


class ReaderFailed(Exception):
    """The reader did not finish (timed out, died, or wrote something that is not its stream)."""


@dataclass
class Refusal:
    path: str  # relative to the submission folder; "" is the whole submission
    reason: str
    notebook: bool = False

    @property
    def whole(self) -> bool:
        return self.path == ""

    def describe(self) -> str:
        """One line for a person: what, why, and what it cost."""
        if self.whole:
            return (
                f"the whole submission: {self.reason}; nothing was graded (every notebook scores 0)"
            )
        consequence = (
            "not graded: it scores 0, as a missing notebook does" if self.notebook else "left out"
        )
        return f"{shown(self.path)}: {self.reason}; {consequence}"


@dataclass
class IntakeResult:
    source: str
    notebooks: list[str]  # the notebooks the assignment declares
    accepted: dict[str, int] = field(default_factory=dict)  # path -> bytes
    refused: list[Refusal] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    reader: str = ""
    seconds: float = 0.0

    @property
    def accepted_notebooks(self) -> list[str]:
        return [n for n in self.notebooks if n in self.accepted]

    @property
    def refused_notebooks(self) -> list[str]:
        """Declared notebooks that were in the submission but were not taken."""
        if any(r.whole for r in self.refused):
            return list(self.notebooks)
        refused = {r.path for r in self.refused}
        return [n for n in self.notebooks if n in refused]

    def as_record(self) -> dict:
        return {
            "when": datetime.datetime.now(datetime.UTC).isoformat(),
            "source": self.source,
            "reader": self.reader,
            "seconds": round(self.seconds, 3),
            "notebooks": self.notebooks,
            "accepted": self.accepted,
            "refused": [vars(r) for r in self.refused],
            "refused_notebooks": self.refused_notebooks,
            "skipped": self.skipped,
        }


def _safe_relative(path: object) -> bool:
    if not isinstance(path, str) or not path or path.startswith("/") or "\0" in path:
        return False
    return all(part not in ("", ".", "..") for part in path.rstrip("/").split("/"))


class Intake(LoggingConfigurable):
    """What a submission may contain, and the reading of it (configure as ``c.Intake.*``)."""

    extra_files = Dict(
        {},
        help="Files (besides the notebooks, timestamp.txt and submission_secret.txt) that a "
        "submission of an assignment may contain, by assignment: relative paths; one ending in "
        '"/" takes every regular file in that folder. Example: {"ps1_async_views": ["data.csv"]}',
    ).tag(config=True)
    max_notebook_bytes = Integer(5 * MiB, help="Largest notebook taken (bytes).").tag(config=True)
    max_file_bytes = Integer(5 * MiB, help="Largest other declared file taken (bytes).").tag(
        config=True
    )
    max_total_bytes = Integer(20 * MiB, help="Most bytes taken from one submission.").tag(
        config=True
    )
    max_entries = Integer(
        500, help="A submission with more files and folders than this is refused as a whole."
    ).tag(config=True)
    timeout = Float(60.0, help="Seconds the reading of one submission may take.").tag(config=True)
    unprivileged_reader = Bool(
        True,
        help="When the grader is root, read each submission as the submission folder's owner "
        "(or nobody) in a process of its own.",
    ).tag(config=True)

    # --- what an assignment declares ---

    def declared(self, coursedir, assignment: str) -> tuple[list[str], list[str]]:
        """(notebooks, other files) a submission of ``assignment`` may contain."""
        from nbgrader.api import Gradebook, MissingEntry

        notebooks: list[str] = []
        try:
            with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
                notebooks = [
                    f"{n.name}.ipynb" for n in gradebook.find_assignment(assignment).notebooks
                ]
        except MissingEntry:
            release = coursedir.format_path(coursedir.release_directory, ".", assignment)
            notebooks = sorted(
                os.path.basename(p)
                for p in glob.glob(os.path.join(glob.escape(release), "*.ipynb"))
            )
        overwriting = self.config.get("Autograde", {}).get("exclude_overwriting", {}) or {}
        files = [
            *NBGRADER_FILES,
            *self.extra_files.get(assignment, []),
            *overwriting.get(assignment, []),
        ]
        return sorted(set(notebooks)), sorted({f for f in files if _safe_relative(f)})

    def request(self, base: str, relative: list[str], notebooks, files, skip) -> dict:
        return {
            "base": str(base),
            "relative": list(relative),
            "notebooks": list(notebooks),
            "files": list(files),
            "skip": list(skip),
            "small": {name: size for name, size in NBGRADER_FILES.items() if name not in notebooks},
            "trusted_uids": [os.geteuid()],
            "limits": {
                "notebook_bytes": self.max_notebook_bytes,
                "file_bytes": self.max_file_bytes,
                "total_bytes": self.max_total_bytes,
                "entries": self.max_entries,
            },
        }

    # --- taking a submission in ---

    def take(
        self,
        base: str,
        relative: list[str],
        destination: Path,
        notebooks: list[str],
        files: list[str],
        skip: list[str] = (),
    ) -> IntakeResult:
        """Copy the acceptable files of ``base/relative...`` into ``destination`` (created; must
        not exist), and say what was refused. ``base`` is trusted; below it nothing is followed.
        """
        started = time.perf_counter()
        source = os.path.join(base, *relative)
        result = IntakeResult(source, list(notebooks))
        request = self.request(base, relative, notebooks, files, skip)
        try:
            events, result.reader = self._read(request)
        except ReaderFailed as failure:
            events, result.reader = [("refused", "", str(failure))], "none"
        destination.mkdir(parents=True)
        whole = [e for e in events if e[0] == "refused" and e[1] == ""]
        if whole:
            result.refused = [Refusal("", whole[0][2])]
            result.skipped = [e[1] for e in events if e[0] == "skipped"]
            result.seconds = time.perf_counter() - started
            return result
        total = 0
        for event in events:
            kind, path = event[0], event[1]
            if kind == "skipped":
                result.skipped.append(path)
            elif kind == "refused":
                result.refused.append(Refusal(path, event[2], path in notebooks))
            else:
                data = event[2]
                reason = self._check(request, path, data, total)
                if reason:
                    result.refused.append(Refusal(path, reason, path in notebooks))
                    continue
                _write_new(destination, path, data)
                result.accepted[path] = len(data)
                total += len(data)
        result.seconds = time.perf_counter() - started
        return result

    def _check(self, request: dict, path: str, data: bytes, total: int) -> str:
        """The grader's own check of what the reader handed over ("" when it may be taken)."""
        if not _safe_relative(path) or not intake_reader.declared(request, path):
            return "not a file of this assignment"
        cap = intake_reader.limit_for(request, path)
        if cap is not None and len(data) > cap:
            return f"{len(data)} bytes, more than the limit of {cap}"
        if total + len(data) > self.max_total_bytes:
            limit = self.max_total_bytes
            return f"the submission's files add up to more than the limit of {limit} bytes"
        if path in request["notebooks"]:
            try:
                notebook = json.loads(data)
            except (ValueError, RecursionError) as error:
                return f"not a notebook: it is not valid JSON ({shown(str(error), 120)})"
            if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
                return "not a notebook: it has no list of cells"
        return ""

    # --- the reading ---

    def _read(self, request: dict) -> tuple[list[tuple], str]:
        """The reader's events, with file contents, and who read."""
        if os.geteuid() != 0 or not self.unprivileged_reader:
            return _read_here(request), f"the grader (uid {os.geteuid()})"
        uid, gid, who, owner_is_root = _reader_identity(request)
        events, done = self._read_as(request, uid, gid)
        if done.get("denied") and owner_is_root:
            # The folder is root's: nobody may not read it, root may; links are refused anyway.
            return _read_here(request), f"root ({who} was not allowed to read it)"
        return events, who

    def _read_as(self, request: dict, uid: int, gid: int) -> tuple[list[tuple], dict]:
        command = [sys.executable, "-I", "-S", "-B", str(READER)]
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd="/",
                env={},
                close_fds=True,
            )
        except OSError as error:
            raise ReaderFailed(f"the intake's reader could not start: {error}") from None
        payload = json.dumps({**request, "user": [uid, gid]}).encode()
        with process:  # closes the pipes whatever happens
            try:
                out, err = process.communicate(payload, timeout=self.timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                raise ReaderFailed(
                    f"reading the submission took longer than {self.timeout:g} s"
                ) from None
        if process.returncode != 0:
            lines = err.decode(errors="replace").strip().splitlines()
            tail = shown(lines[-1] if lines else "", 300)
            raise ReaderFailed(f"the intake's reader failed ({process.returncode}): {tail}")
        return _parse_stream(out, self.max_entries)


def _reader_identity(request: dict) -> tuple[int, int, str, bool]:
    """Who reads a submission: its folder's owner, or nobody when root owns it."""
    try:
        info = os.lstat(os.path.join(request["base"], *request["relative"]))
        owner, group = info.st_uid, info.st_gid
    except OSError:
        owner, group = 0, 0
    if owner != 0:
        try:
            entry = pwd.getpwuid(owner)
            return owner, entry.pw_gid, f"its owner {shown(entry.pw_name)} (uid {owner})", False
        except KeyError:
            return owner, group, f"its owner (uid {owner})", False
    try:
        nobody = pwd.getpwnam("nobody")
        uid, gid = nobody.pw_uid, nobody.pw_gid
    except KeyError:
        uid, gid = 65534, 65534
    with contextlib.suppress(KeyError):
        gid = grp.getgrnam("nogroup").gr_gid
    return uid, gid, f"nobody (uid {uid})", True


def _read_here(request: dict) -> list[tuple]:
    """The reader's events, read by this process (its own rights)."""
    try:
        folder = intake_reader.open_submission(request)
    except intake_reader.Stop as stop:
        return [("refused", "", str(stop))]
    events = []
    for event in intake_reader.walk(request, folder):
        if event[0] == "file":
            _, path, fd, size = event
            try:
                events.append(("file", path, intake_reader.read_exactly(fd, size)))
            finally:
                os.close(fd)
        else:
            events.append(event)
    return events


def _parse_stream(out: bytes, max_entries: int) -> tuple[list[tuple], dict]:
    """The reader's stream as events; it is checked, never trusted to be well formed."""
    events, position = [], 0
    while position < len(out):
        end = out.find(b"\n", position, position + MAX_EVENT_LINE)
        if end < 0:
            raise ReaderFailed("the intake's reader wrote something that is not its stream")
        try:
            event = json.loads(out[position:end])
            kind = event["kind"]
        except (ValueError, KeyError, TypeError):
            raise ReaderFailed(
                "the intake's reader wrote something that is not its stream"
            ) from None
        position = end + 1
        if kind == "done":
            return events, event
        if len(events) > 2 * max_entries + 10:
            raise ReaderFailed("the intake's reader reported more entries than it may")
        path = event.get("path")
        if not isinstance(path, str):
            raise ReaderFailed("the intake's reader wrote something that is not its stream")
        if kind == "file":
            size = event.get("bytes")
            if not isinstance(size, int) or size < 0 or position + size > len(out):
                raise ReaderFailed("the intake's reader wrote a file that is cut short")
            events.append(("file", path, out[position : position + size]))
            position += size
        elif kind == "refused":
            events.append(("refused", path, str(event.get("reason", ""))))
        elif kind == "skipped":
            events.append(("skipped", path))
        else:
            raise ReaderFailed("the intake's reader wrote something that is not its stream")
    raise ReaderFailed("the intake's reader stopped before it was done")


def _write_new(destination: Path, path: str, data: bytes, mode: int = 0o644) -> None:
    """Write ``destination/path``, a new file in a folder only the grader writes."""
    target = destination / path
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    with os.fdopen(fd, "wb") as file:
        file.write(data)


def copy_regular_files(source: Path, destination: Path, skip: list[str], log=None) -> list[Refusal]:
    """Copy every regular file under ``source`` (a grader-made folder) to ``destination``,
    without following links; anything else is left behind and returned."""
    request = {"base": str(source), "relative": [], "any_regular": True, "skip": list(skip)}
    try:
        folder = intake_reader.open_submission(request)
    except intake_reader.Stop as stop:
        return [Refusal("", str(stop))]
    refused = []
    for event in intake_reader.walk(request, folder):
        if event[0] == "refused":
            refused.append(Refusal(event[1], event[2]))
            if log:
                log.warning("Not copied: %s/%s: %s", source, shown(event[1]), event[2])
        elif event[0] == "file":
            _, path, fd, size = event
            target = destination / path
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with contextlib.suppress(FileNotFoundError):
                    target.unlink()
                out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
                with os.fdopen(out, "wb") as file:
                    left = size
                    while left > 0:
                        chunk = os.read(fd, min(intake_reader.CHUNK, left))
                        if not chunk:
                            break
                        file.write(chunk)
                        left -= len(chunk)
            finally:
                os.close(fd)
    return refused


# --- the records ---


class Records:
    """What the intake took and refused, one JSON file per submission and stage, kept where a
    grading kernel never looks: collect's next to what it collected
    (``submitted/.intake/<assignment>/<student>.json``), autograde's next to what it graded
    (``autograded/.intake/...``), so that autograding leaves submitted/ as it was."""

    def __init__(self, root, submitted: str = "submitted", autograded: str = "autograded"):
        self.root = Path(root)
        self.folders = {"collect": submitted, "autograde": autograded}

    @classmethod
    def of(cls, coursedir) -> Records:
        return cls(coursedir.root, coursedir.submitted_directory, coursedir.autograded_directory)

    def folder(self, stage: str, assignment: str) -> Path:
        return self.root / self.folders[stage] / RECORDS / assignment

    def path(self, stage: str, assignment: str, student: str) -> Path:
        return self.folder(stage, assignment) / f"{student}.json"

    def write(self, stage: str, assignment: str, student: str, section: dict) -> None:
        _write_json(self.path(stage, assignment, student), section)

    def sections(self, assignment: str, student: str) -> list[dict]:
        """The records that still apply: collect's (while the folder it made is still the one
        in submitted/) and the last autograde's."""
        found = []
        for stage in ("collect", "autograde"):
            try:
                section = json.loads(self.path(stage, assignment, student).read_text())
            except (OSError, ValueError):
                continue
            made = section.get("folder"), _folder_identity(section.get("destination", ""))
            if stage == "autograde" or made[0] == made[1]:
                found.append(section)
        return found

    def refusals(self, assignment: str, student: str) -> list[Refusal]:
        """What the intake refused of a student's submission, on collect and on autograde."""
        sections = self.sections(assignment, student)
        return [Refusal(**r) for section in sections for r in section.get("refused", [])]

    def refused_notebooks(self, assignment: str, student: str) -> list[str]:
        """The notebooks of a student's submission that the intake refused (they score 0)."""
        sections = self.sections(assignment, student)
        return sorted({n for section in sections for n in section.get("refused_notebooks", [])})

    def students(self, assignment: str) -> list[str]:
        return sorted(
            {
                p.stem
                for stage in self.folders
                for p in self.folder(stage, assignment).glob("*.json")
            }
        )

    def refusals_by_student(self, assignment: str) -> dict[str, list[Refusal]]:
        """``{student: refusals}`` of every recorded submission of ``assignment`` with any."""
        found = {s: self.refusals(assignment, s) for s in self.students(assignment)}
        return {s: r for s, r in found.items() if r}

    def inbound_path(self, assignment: str) -> Path:
        return self.folder("collect", assignment) / "_inbound_refused.list"

    def refused_inbound(self, assignment: str) -> list[dict]:
        """Inbound submissions collect refused outright (bad name, another student's name)."""
        try:
            return json.loads(self.inbound_path(assignment).read_text())
        except (OSError, ValueError):
            return []


def _folder_identity(folder: str | Path) -> list[int] | None:
    try:
        info = os.lstat(folder)
    except OSError:
        return None
    return [info.st_dev, info.st_ino]


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(temporary, path)


# --- autograde ---

# Clean copies made by IntakeAutograde in this process: the guard checks that nbgrader reads them.
_CLEAN_ROOTS: set[str] = set()


def _zero(coursedir, assignment: str, student: str, notebooks: list[str]) -> None:
    """Score these notebooks 0, as nbgrader scores a missing notebook."""
    from nbgrader.api import Gradebook

    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        for name in notebooks:
            notebook = gradebook.find_submission_notebook(
                name.removesuffix(".ipynb"), assignment, student
            )
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
        gradebook.db.commit()


def submissions(coursedir, student_id: str, assignment_id: str) -> list[tuple[str, str, str]]:
    """(folder, student, assignment) of every submission to grade, found as nbgrader finds them
    (a folder of submitted/ holding an entry named like a notebook), and also those whose
    notebooks collect refused: they score 0 instead of the student going ungraded."""
    pattern = coursedir.format_path(coursedir.submitted_directory, student_id, assignment_id)
    parse = re.compile(
        coursedir.format_path(
            coursedir.submitted_directory,
            "(?P<student_id>[^/]+)",
            "(?P<assignment_id>[^/]+)",
            escape=True,
        )
        + "$"
    )
    found = []
    for folder in sorted(glob.glob(pattern)):
        match = parse.match(folder)
        if not match:
            continue
        student, assignment = match["student_id"], match["assignment_id"]
        notebooks = os.path.join(glob.escape(folder), coursedir.notebook_id + ".ipynb")
        refused = Records.of(coursedir).refused_notebooks(assignment, student)
        if glob.glob(notebooks) or refused:  # names only: glob reads no file
            found.append((folder, student, assignment))
    return found


class IntakeAutograde(Autograde):
    """nbgrader's Autograde, grading the intake's clean copy of each submission."""

    _clean_root: str | None = None

    @property
    def _input_directory(self) -> str:
        if self._sanitizing and self._clean_root:
            return self._clean_root
        return super()._input_directory

    def start(self) -> None:
        self.intake = Intake(parent=self)
        self.intake_results: dict[tuple[str, str], IntakeResult] = {}
        self._all_refused: list[tuple[str, str]] = []
        self._intake_errors: list[tuple[str, str]] = []
        # Private, and never in a folder a grading kernel sees (its /tmp is its own).
        self._clean_root = tempfile.mkdtemp(prefix="autograder_intake_")
        if re.escape(self._clean_root) != self._clean_root:  # nbgrader builds regexps of it
            raise NbGraderException(f"the temporary folder {self._clean_root} has an unusual name")
        _CLEAN_ROOTS.add(self._clean_root)
        try:
            super().start()
        finally:
            _CLEAN_ROOTS.discard(self._clean_root)
            shutil.rmtree(self._clean_root, ignore_errors=True)
            self._clean_root = None

    def _raw_submissions(self) -> list[tuple[str, str, str]]:
        coursedir = self.coursedir
        return submissions(coursedir, coursedir.student_id, coursedir.assignment_id)

    def init_notebooks(self) -> None:
        coursedir = self.coursedir
        raw = self._raw_submissions()
        declared: dict[str, tuple[list[str], list[str]]] = {}
        for folder, student, assignment in raw:
            if assignment not in declared:
                declared[assignment] = self.intake.declared(coursedir, assignment)
            notebooks, files = declared[assignment]
            destination = Path(coursedir.format_path(self._clean_root, student, assignment))
            try:
                result = self._take(folder, destination, notebooks, files)
            except Exception:
                self.log.exception("The intake failed on %s", folder)
                shutil.rmtree(destination, ignore_errors=True)  # nothing half-taken is graded
                self._intake_errors.append((assignment, student))
                continue
            Records.of(coursedir).write("autograde", assignment, student, result.as_record())
            self.intake_results[(assignment, student)] = result
            for refusal in result.refused:
                self.log.warning(
                    "Intake refused %s/%s: %s", student, assignment, refusal.describe()
                )
            if not result.accepted_notebooks:
                self._all_refused.append((assignment, student))
        if not raw:
            pattern = coursedir.format_path(
                coursedir.submitted_directory, coursedir.student_id, coursedir.assignment_id
            )
            msg = f"No notebooks were matched by '{pattern}'"
            self.log.error(msg)
            raise NbGraderException(msg)
        try:
            super().init_notebooks()
        except NbGraderException:
            if not (self._all_refused or self._intake_errors):
                raise
            self.assignments = {}  # nothing left that nbgrader can grade; the refusals are scored

    def _take(self, folder: str, destination: Path, notebooks, files) -> IntakeResult:
        """Take ``folder`` in; submitted/ is trusted, every component below it is not."""
        coursedir = self.coursedir
        base = os.path.join(coursedir.root, coursedir.submitted_directory)
        relative = os.path.relpath(folder, base).split(os.sep)
        if relative[0] == "..":
            base, relative = coursedir.root, os.path.relpath(folder, coursedir.root).split(os.sep)
        return self.intake.take(base, relative, destination, notebooks, files, coursedir.ignore)

    def init_assignment(self, assignment_id: str, student_id: str) -> None:
        super().init_assignment(assignment_id, student_id)
        result = self.intake_results.get((assignment_id, student_id))
        if result is not None:
            left_out = [n for n in result.notebooks if n not in result.accepted]
            if left_out:
                _zero(self.coursedir, assignment_id, student_id, left_out)

    def convert_notebooks(self) -> None:
        for assignment, student in self._all_refused:
            try:
                self._grade_refused(assignment, student)
            except Exception:
                self.log.exception("Could not record the grade of %s/%s", student, assignment)
                self._intake_errors.append((assignment, student))
        try:
            super().convert_notebooks()
        finally:
            for assignment, student in self._intake_errors:
                self.log.error(
                    "There was an error taking in assignment '%s' for student '%s'",
                    assignment,
                    student,
                )
        if self._intake_errors:
            raise NbGraderException("The intake could not take some submissions (see above).")

    def _grade_refused(self, assignment: str, student: str) -> None:
        """A submission without a notebook the intake could take: every notebook scores 0, and
        autograded/ holds what was taken (timestamp.txt, ...) for the feedback."""
        from nbgrader.api import Gradebook, MissingEntry

        self.notebooks = []
        if not self.init_destination(assignment, student):
            return
        source = self._format_source(assignment, student)
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
            gradebook.update_or_create_student(student)
            try:
                record = gradebook.find_assignment(assignment)
            except MissingEntry:
                raise NbGraderException(
                    f"No assignment with ID '{assignment}' exists in the database"
                ) from None
            names = [f"{n.name}.ipynb" for n in record.notebooks]
            timestamp = self.coursedir.get_existing_timestamp(source)
            if timestamp:
                gradebook.update_or_create_submission(assignment, student, timestamp=timestamp)
            else:
                gradebook.update_or_create_submission(assignment, student)
        _zero(self.coursedir, assignment, student, names)
        destination = Path(self._format_dest(assignment, student))
        destination.mkdir(parents=True, exist_ok=True)  # feedback writes its page from here
        copy_regular_files(Path(source), destination, [*self.coursedir.ignore, "*.ipynb"], self.log)
        self.set_permissions(assignment, student)
        self.log.warning(
            "%s/%s: no notebook could be taken in; every notebook scores 0", student, assignment
        )


def autograde_guard(assignment, student, notebooks) -> None:
    """``c.Autograde.pre_convert_hook``: stop if nbgrader is about to grade a submission that
    did not come through the intake (nbgrader_config.py's ``install()`` did not take effect).
    nbgrader only logs an Exception from this hook, so it stops with SystemExit."""
    for notebook in notebooks:
        path = os.path.abspath(notebook)
        if not any(path.startswith(root + os.sep) for root in _CLEAN_ROOTS):
            raise SystemExit(
                f"Refusing to grade {notebook}: it did not come through the intake "
                "(autograder.instructor.intake.install() was not called by nbgrader_config.py, "
                "or this nbgrader runs its own Autograde)."
            )


# --- feedback ---

_FEEDBACK_RUNNING = []


def _note_html(refusals: list[Refusal]) -> str:
    items = "".join(f"<li>{html.escape(r.describe())}</li>" for r in refusals)
    return (
        "<div class='alert alert-warning' id='intake-refusals'>"
        "<b>Not everything in your submission was taken for grading.</b> Only regular files "
        f"that the assignment asks for are graded; these were not:<ul>{items}</ul></div>"
    )


class IntakeNote(NbGraderPreprocessor):
    """Feedback opens with what the intake refused of this submission (a raw HTML cell)."""

    def preprocess(self, nb, resources):
        converter = getattr(self.parent, "parent", None)
        coursedir = getattr(converter, "coursedir", None)
        info = resources.get("nbgrader", {})
        if coursedir is None or not info:
            return nb, resources
        refusals = Records.of(coursedir).refusals(info["assignment"], info["student"])
        if refusals:
            cell = NotebookNode(
                cell_type="raw",
                id="intake-refusals",
                metadata={"raw_mimetype": "text/html"},
                source=_note_html(refusals),
            )
            nb.cells.insert(0, cell)
        return nb, resources


def _refused_page(assignment: str, notebook: str, refusals: list[Refusal]) -> str:
    title = html.escape(f"{assignment}: {notebook}")
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{title}</title></head><body><h1>{title}</h1>"
        f"<p><b>This notebook was not graded.</b> It scores 0, as a missing notebook does.</p>"
        f"{_note_html(refusals)}</body></html>"
    )


class IntakeGenerateFeedback(GenerateFeedback):
    """nbgrader's GenerateFeedback that copies only regular files to feedback/, opens every
    page with the intake's refusals, and writes a page for each notebook the intake refused."""

    def start(self) -> None:
        if IntakeNote not in self.preprocessors:
            self.preprocessors = [IntakeNote, *self.preprocessors]
        _FEEDBACK_RUNNING.append(self)
        try:
            try:
                super().start()
            except NbGraderException:
                if not self._refused_pages():
                    raise
            else:
                self._refused_pages()
        finally:
            _FEEDBACK_RUNNING.remove(self)

    def init_assignment(self, assignment_id: str, student_id: str) -> None:
        source = Path(self._format_source(assignment_id, student_id))
        destination = Path(self._format_dest(assignment_id, student_id))
        copy_regular_files(source, destination, [*self.coursedir.ignore, "*.ipynb"], self.log)

    def _refused_pages(self) -> int:
        """A feedback page for every refused notebook that has no autograded notebook."""
        coursedir = self.coursedir
        written = 0
        records = Records.of(coursedir)
        excluded = set(filter(None, (coursedir.student_id_exclude or "").split(",")))
        assignments = {
            folder.name
            for stage in records.folders
            for folder in records.folder(stage, "*").parent.glob("*")
            if folder.is_dir() and fnmatch.fnmatchcase(folder.name, coursedir.assignment_id)
        }
        for assignment in sorted(assignments):
            for student in records.students(assignment):
                if fnmatch.fnmatchcase(student, coursedir.student_id) and student not in excluded:
                    written += self._refused_pages_of(assignment, student)
        return written

    def _refused_pages_of(self, assignment: str, student: str) -> int:
        coursedir = self.coursedir
        records = Records.of(coursedir)
        autograded = Path(self._format_source(assignment, student))
        refused = [
            n
            for n in records.refused_notebooks(assignment, student)
            if not (autograded / n).exists()
        ]
        if not refused or not autograded.is_dir():
            return 0
        destination = Path(self._format_dest(assignment, student))
        copy_regular_files(autograded, destination, [*coursedir.ignore, "*.ipynb"], self.log)
        refusals = records.refusals(assignment, student)
        for notebook in refused:
            page = destination / (notebook.removesuffix(".ipynb") + ".html")
            with contextlib.suppress(FileNotFoundError):
                page.unlink()
            _write_new(
                destination, page.name, _refused_page(assignment, notebook, refusals).encode()
            )
            self.log.info("Wrote %s (the notebook was refused by the intake)", page)
        return len(refused)


def feedback_guard(assignment, student, notebooks) -> None:
    """``c.GenerateFeedback.pre_convert_hook``: stop if nbgrader's own GenerateFeedback runs
    (it would copy whatever autograded/ holds, following links, and show no refusals)."""
    if not _FEEDBACK_RUNNING:
        raise SystemExit(
            "Refusing to generate feedback without the intake (autograder.instructor.intake."
            "install() was not called by nbgrader_config.py)."
        )


# --- collect ---


class IntakeCollect(ExchangeCollect):
    """nbgrader's collect, taking each inbound submission into submitted/ through the intake.

    Differences from nbgrader's: nothing is followed or copied that is not a declared regular
    file; a folder name that cannot be parsed, or an invalid student id, is refused and the
    collect goes on (nbgrader stops); with ``check_owner`` (nbgrader's default) a submission that
    another Unix user owns is refused, not only warned about, so it cannot replace the named
    student's submission.
    """

    def init_src(self):
        from nbgrader.api import Gradebook, MissingEntry
        from nbgrader.utils import check_mode

        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        if not check_mode(self.inbound_path, read=True, execute=True):
            self.fail(f"You don't have read permissions for the directory: {self.inbound_path}")
        student_id = self.coursedir.student_id if self.coursedir.student_id else "*"
        pattern = os.path.join(
            glob.escape(self.inbound_path), f"{student_id}+{self.coursedir.assignment_id}+*"
        )
        records = []
        for path in glob.glob(pattern):
            try:
                record = self._path_to_record(path)
            except Exception as error:  # nbgrader's fail() is SystemExit; parse_utc ValueError
                self._refuse_inbound(os.path.basename(path), f"its name cannot be read ({error})")
                continue
            # Before the latest submission of each student is chosen: an impostor's newer
            # folder must not hide the student's own.
            reason = self._not_theirs(record)
            if reason:
                self._refuse_inbound(record["filename"], reason)
            else:
                records.append(record)
        usergroups = groupby(records, lambda item: item["username"])
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
            try:
                self.duedate = gradebook.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                self.duedate = None
        self.src_records = []
        for records_of_user in usergroups.values():
            ordered = self._sort_by_timestamp(records_of_user)
            if self.duedate is not None and self.before_duedate:
                before = [r for r in ordered if r["timestamp"] <= self.duedate]
                ordered = before or ordered
            self.src_records.append(ordered[0])

    def _not_theirs(self, record: dict) -> str:
        """Why an inbound submission cannot be the named student's ("" when it can)."""
        student = record["username"]
        if not STUDENT_ID.fullmatch(student) or student.startswith("."):
            return f"{shown(student)!r} is not a valid student id"
        if not self.check_owner:
            return ""
        try:
            uid = os.lstat(os.path.join(self.inbound_path, record["filename"])).st_uid
            owner = pwd.getpwuid(uid).pw_name
        except (OSError, KeyError):
            owner = "a user with no name"
        if owner == student:
            return ""
        return (
            f"it says it is {shown(student)}'s but belongs to {shown(owner)} (where all "
            "students share one Unix user, set c.ExchangeCollect.check_owner = False)"
        )

    def _path_to_record(self, path):
        filename = os.path.split(path)[1]
        parts = filename.rsplit("+", 3)
        if len(parts) < 3:
            raise ValueError("expected <student>+<assignment>+<timestamp>")
        from nbgrader.utils import parse_utc

        return {"username": parts[0], "filename": filename, "timestamp": parse_utc(parts[2])}

    def _refuse_inbound(self, filename: str, reason: str) -> None:
        self.log.warning("Refused inbound submission %s: %s", shown(filename), reason)
        records = Records.of(self.coursedir)
        assignment = self.coursedir.assignment_id
        entries = {e["inbound"]: e for e in records.refused_inbound(assignment)}
        when = datetime.datetime.now(datetime.UTC).isoformat()
        entries[shown(filename)] = {"inbound": shown(filename), "reason": reason, "when": when}
        ordered = sorted(entries.values(), key=lambda e: e["inbound"])
        _write_json(records.inbound_path(assignment), ordered)

    def copy_files(self):
        if not self.src_records:
            self.log.warning(
                "No submissions of '%s' for course '%s' to collect",
                self.coursedir.assignment_id,
                self.coursedir.course_id,
            )
            return
        self.log.info(
            "Processing %s submissions of '%s' for course '%s'",
            len(self.src_records),
            self.coursedir.assignment_id,
            self.coursedir.course_id,
        )
        intake = Intake(parent=self)
        notebooks, files = intake.declared(self.coursedir, self.coursedir.assignment_id)
        for record in self.src_records:
            try:
                self._collect_one(intake, record, notebooks, files)
            except Exception:
                self.log.exception("Could not collect %s", shown(record["filename"]))

    def _collect_one(self, intake: Intake, record: dict, notebooks, files) -> None:
        student, filename = record["username"], record["filename"]
        assignment = self.coursedir.assignment_id
        dest_path = Path(
            self.coursedir.format_path(self.coursedir.submitted_directory, student, assignment)
        )
        copy, updating = False, False
        if dest_path.is_dir() and not dest_path.is_symlink():
            existing = self.coursedir.get_existing_timestamp(str(dest_path))
            if self.update and (existing is None or record["timestamp"] > existing):
                copy = updating = True
            elif self.before_duedate and existing != record["timestamp"]:
                copy = updating = True
        else:
            copy = True
        if not copy:
            self.log.info(
                "%s: %s %s",
                "No newer submission to collect"
                if self.update
                else "Submission already exists, use --update to update",
                student,
                assignment,
            )
            return
        self.log.info(
            "%s submission: %s %s", "Updating" if updating else "Collecting", student, assignment
        )
        dest_path.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".intake-", dir=dest_path.parent))
        try:
            result = intake.take(
                self.inbound_path,
                [filename],
                staging / "taken",
                notebooks,
                files,
                self.coursedir.ignore,
            )
            for refusal in result.refused:
                self.log.warning(
                    "Intake refused %s/%s: %s", student, assignment, refusal.describe()
                )
            if os.path.lexists(dest_path):
                os.rename(dest_path, staging / "old")
            os.rename(staging / "taken", dest_path)
            if self.coursedir.groupshared:
                for folder, _, names in os.walk(dest_path):
                    os.chmod(folder, 0o2775)
                    for name in names:
                        os.chmod(os.path.join(folder, name), 0o664)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        section = result.as_record()
        section["destination"] = str(dest_path)
        section["folder"] = _folder_identity(dest_path)
        Records.of(self.coursedir).write("collect", assignment, student, section)


# --- nbgrader's own commands ---


def install() -> None:
    """Make nbgrader's own commands use the intake: ``nbgrader autograde``, ``nbgrader
    generate_feedback`` and the formgrader create their converters by these names."""
    from nbgrader.apps import api, autogradeapp, generatefeedbackapp

    autogradeapp.Autograde = IntakeAutograde
    api.Autograde = IntakeAutograde
    generatefeedbackapp.GenerateFeedback = IntakeGenerateFeedback
    api.GenerateFeedback = IntakeGenerateFeedback


__all__ = [
    "Intake",
    "IntakeAutograde",
    "IntakeCollect",
    "IntakeGenerateFeedback",
    "IntakeNote",
    "IntakeResult",
    "Records",
    "Refusal",
    "autograde_guard",
    "feedback_guard",
    "install",
    "submissions",
]
