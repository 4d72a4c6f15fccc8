"""Crash-safe, exclusive run directories.

A run writes its outputs into a fresh temporary directory beside the target
(``<parent>/<name>.partial-<pid>``) whose ``status.json`` says ``running``; when every file is
written and flushed, ``status.json`` becomes ``complete`` (with each file's size and SHA-256) and the
directory is swapped into place with one atomic rename (``renameat2(RENAME_EXCHANGE)`` when the
target already holds a run).  So the target is always either absent, the previous complete run or
the new complete run -- never a mix; a run killed at any moment leaves at most a ``.partial-<pid>``
directory whose status says ``running`` (and whose pid is gone), which the next run cleans up.

A lock (``<parent>/.<name>.lock``, ``flock``: the kernel drops it when the holder dies, so a
``kill -9`` never leaves a stale lock) stops two runs writing into one directory; the second gets a
one-line error naming the holder (pid, host, start time).  Replacing a complete run needs
``force``; a directory that is not a run directory is never replaced or deleted.

Readers (``tiangong export``, the report) call :func:`require_complete`, which refuses anything
that is not a complete run with a clear message.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import shutil
import socket
from pathlib import Path

from .errors import InputError

STATUS = "status.json"
OUTPUTS = {"telemetry": "telemetry.duckdb", "summary": "summary.json", "run": "run.json", "report": "report.html"}
FORMAT = "tiangong-run/1"
_PARTIAL = ".partial-"
_OLD = ".old-"
MAX_NAME = 200  # the file system's limit is 255 bytes; the temporary names add up to ~30


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _os_reason(exc: OSError) -> str:
    reasons = {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "disk quota exceeded",
               errno.EACCES: "permission denied", errno.EPERM: "permission denied",
               errno.EROFS: "read-only file system", errno.ENAMETOOLONG: "name too long",
               errno.ENOTDIR: "a parent is not a directory", errno.EEXIST: "exists"}
    return reasons.get(exc.errno, exc.strerror or str(exc))


def os_error(where: str, exc: OSError) -> InputError:
    """An OSError while writing outputs as one line: where, the path, the reason."""
    name = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
    return InputError(where, f"{name}{_os_reason(exc)}")


def check_out_path(out: str | os.PathLike, where: str = "--out") -> Path:
    """The output directory as an absolute path, refused early when it cannot be one."""
    s = os.fspath(out)
    if not s or "\x00" in s:
        raise InputError(where, "the path is empty or contains a NUL byte")
    p = Path(os.path.abspath(s))
    for part in p.parts:
        if len(part.encode("utf-8", "surrogateescape")) > MAX_NAME:
            raise InputError(where, f"a path component is longer than {MAX_NAME} bytes")
    try:
        if p.exists() and not p.is_dir():
            raise InputError(where, f"{s} exists and is not a directory")
        parent = p.parent
        while not parent.exists():  # the first existing ancestor must be a writable directory
            parent = parent.parent
        if not parent.is_dir():
            raise InputError(where, f"{parent} is not a directory")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise InputError(where, f"{parent} is not writable")
    except OSError as exc:
        raise InputError(where, f"cannot use it: {_os_reason(exc)}") from None
    return p


def read_status(run_dir: str | os.PathLike) -> dict | None:
    """The parsed ``status.json`` of ``run_dir``, or None if it has none (or it is unreadable)."""
    try:
        with open(Path(run_dir) / STATUS, "rb") as fh:
            st = json.loads(fh.read(1 << 20).decode("utf-8"))
    except (OSError, ValueError):
        return None
    return st if isinstance(st, dict) and st.get("format") == FORMAT else None


def _pid_alive(pid, host) -> bool:
    if host != socket.gethostname():
        return True  # cannot tell: assume it is
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, TypeError, OverflowError):
        return True
    return True


def describe(run_dir: str | os.PathLike) -> tuple[str, str]:
    """(state, one-line explanation) of a directory: complete / running / interrupted / failed / not-a-run."""
    d = Path(run_dir)
    try:
        if not d.is_dir():
            return "missing", f"{d} does not exist" if not d.exists() else f"{d} is not a directory"
    except OSError as exc:  # a name too long for the file system, a loop of links
        return "missing", f"cannot look at it: {_os_reason(exc)}"
    st = read_status(d)
    if st is None:
        return "not-a-run", "not a tiangong run directory (no status.json)"
    state = st.get("state")
    holder = f"pid {st.get('pid')} on {st.get('host')}, started {st.get('started')}"
    if state == "complete":
        for name, meta in (st.get("files") or {}).items():
            f = d / name
            if not f.is_file() or f.stat().st_size != meta.get("bytes"):
                return "damaged", f"{name} is missing or changed since the run completed"
        return "complete", f"complete run of {st.get('scenario')} ({st.get('finished')})"
    if state == "running":
        if _pid_alive(st.get("pid"), st.get("host")):
            return "running", f"a run is still writing it ({holder})"
        return "interrupted", f"an interrupted run: its process is gone ({holder}); rerun it"
    if state == "failed":
        return "failed", f"a failed run ({st.get('reason', 'no reason recorded')})"
    return "not-a-run", f"unknown state {state!r} in status.json"


def require_complete(run_dir: str | os.PathLike, where: str | None = None) -> Path:
    """``run_dir`` if it holds a complete run; else an InputError saying what it is."""
    state, why = describe(run_dir)
    if state != "complete":
        raise InputError(where or str(run_dir), f"not a complete run: {why}")
    return Path(run_dir)


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _fsync_dir(d: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2); False when the system cannot.

    Hand-written with ctypes: neither the standard library nor a maintained package exposes
    ``RENAME_EXCHANGE``, and it is what makes replacing a complete run atomic."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    AT_FDCWD = -100
    rc = fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


class RunDir:
    """Write a run into ``target`` crash-safely: ``with RunDir(target) as rd: write into rd.path``.

    On success the directory is swapped into place (status ``complete``); on an exception the
    attempt is discarded and the target keeps what it had (a target that held no complete run gets
    the failed attempt, status ``failed`` with the reason, so the operator sees why).
    """

    def __init__(self, target: str | os.PathLike, scenario: str = "", force: bool = False,
                 where: str = "--out"):
        self.target = check_out_path(target, where)
        self.where = where
        self.scenario = scenario
        self.force = force
        self.path: Path | None = None
        self._lock_fd: int | None = None
        self._status: dict = {}

    @property
    def paths(self) -> dict[str, Path]:
        """The outputs' final paths (in the target)."""
        return {k: self.target / n for k, n in OUTPUTS.items()}

    # ------------------------------------------------------------------ lock
    def _lock(self) -> None:
        t = self.target
        t.parent.mkdir(parents=True, exist_ok=True)
        lock = t.parent / f".{t.name}.lock"
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
            except ValueError:
                holder = {}
            os.close(fd)
            raise InputError(self.where, f"{t} is being written by another run (pid {holder.get('pid', '?')} on "
                                         f"{holder.get('host', '?')}, started {holder.get('started', '?')})") from None
        me = {"pid": os.getpid(), "host": socket.gethostname(), "started": _now()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me).encode(), 0)
        self._lock_fd = fd
        self._status = {"format": FORMAT, "state": "running", "scenario": self.scenario, **me}

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock; the file stays (removing it would race)
            self._lock_fd = None

    # ------------------------------------------------------------------ phases
    def _check_target(self) -> None:
        t = self.target
        if not t.exists():
            return
        if not t.is_dir():
            raise InputError(self.where, f"{t} exists and is not a directory")
        state, why = describe(t)
        if state == "not-a-run":
            if any(t.iterdir()):
                raise InputError(self.where, f"{t} is not empty and not a run directory ({why}); "
                                             "choose another --out (it is never replaced)")
        elif state in ("complete", "damaged") and not self.force:
            raise InputError(self.where, f"{t} already holds a {why}; use --force to replace it")

    def _clean_leftovers(self) -> None:
        """Remove temporary directories of runs into this target whose process is gone."""
        t = self.target
        for d in t.parent.iterdir():
            rest = d.name[len(t.name):] if d.name.startswith(t.name) else ""
            if not (rest.startswith(_PARTIAL) or rest.startswith(_OLD)) or not d.is_dir():
                continue
            st = read_status(d)
            if st is None or not _pid_alive(st.get("pid"), st.get("host")) or st.get("pid") == os.getpid():
                shutil.rmtree(d, ignore_errors=True)

    def __enter__(self) -> "RunDir":
        try:
            self._lock()
            self._check_target()
            self._clean_leftovers()
            self.path = self.target.with_name(f"{self.target.name}{_PARTIAL}{os.getpid()}")
            self.path.mkdir()
            _write_json_atomic(self.path / STATUS, self._status)
        except InputError:
            self._unlock()
            raise
        except OSError as exc:
            self._unlock()
            raise InputError(self.where, f"cannot create {self.target}: {_os_reason(exc)}") from None
        return self

    def _commit(self) -> None:
        d, t = self.path, self.target
        files = {}
        for f in sorted(d.iterdir()):
            if f.name == STATUS or not f.is_file():
                continue
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
            files[f.name] = {"bytes": f.stat().st_size, "sha256": _sha256(f)}
        self._status.update(state="complete", finished=_now(), files=files)
        _write_json_atomic(d / STATUS, self._status)
        _fsync_dir(d)
        if t.exists():
            if _exchange(d, t):  # target now holds the new run, d the old one
                shutil.rmtree(d, ignore_errors=True)
            else:  # no renameat2: two renames; a crash in between leaves the old run at .old-<pid>
                old = t.with_name(f"{t.name}{_OLD}{os.getpid()}")
                os.rename(t, old)
                os.rename(d, t)
                shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(d, t)
        _fsync_dir(t.parent)

    def _fail(self, exc: BaseException) -> None:
        d, t = self.path, self.target
        reason = " ".join(str(exc).split()) or type(exc).__name__
        if isinstance(exc, KeyboardInterrupt):
            reason = f"interrupted ({exc.args[0] if exc.args else 'Ctrl-C'})"
        self._status.update(state="failed", finished=_now(), reason=reason[:500])
        if isinstance(exc, InputError):  # refused input: nothing to keep, nothing to show
            shutil.rmtree(d, ignore_errors=True)
            return
        try:
            for f in d.iterdir():  # partial outputs are worthless; removing them first also frees a full disk
                if f.name != STATUS:
                    shutil.rmtree(f) if f.is_dir() else f.unlink()
            _write_json_atomic(d / STATUS, self._status)
            if describe(t)[0] in ("missing", "interrupted", "failed") or (
                    t.is_dir() and not any(t.iterdir())):
                if t.exists():
                    shutil.rmtree(t) if read_status(t) is not None else t.rmdir()
                os.rename(d, t)  # nothing of value there: show the failed attempt and its reason
            else:
                shutil.rmtree(d, ignore_errors=True)  # keep the previous complete run as it was
        except OSError:
            shutil.rmtree(d, ignore_errors=True)

    def __exit__(self, etype, exc, tb) -> bool:
        try:
            if exc is None:
                try:
                    self._commit()
                except OSError as err:
                    self._fail(err)
                    raise InputError(self.where, f"cannot write {self.target}: {_os_reason(err)}") from None
            else:
                self._fail(exc)
                if isinstance(exc, OSError):
                    raise InputError(self.where, f"cannot write {self.target}: {_os_reason(exc)}") from None
        finally:
            self._unlock()
        return False


def _finite(obj, path: str = "") -> str | None:
    """The path of the first NaN/inf in a JSON-like value, or None."""
    if isinstance(obj, float):
        return None if obj == obj and abs(obj) != float("inf") else (path or "(value)")
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    else:
        return None
    for k, v in items:
        bad = _finite(v, f"{path}.{k}" if path else str(k))
        if bad:
            return bad
    return None


def write_run_dir(out_dir: str | os.PathLike, record, force: bool = False, where: str = "--out",
                  description: dict | None = None, parent=None) -> dict[str, Path]:
    """Write a run's ``telemetry.duckdb``, ``summary.json``, ``run.json`` (``description``: what
    re-creates the run, read by ``tiangong fork``) and ``report.html`` (overlaying ``parent``, the
    parent run's record, for a fork) crash-safely into ``out_dir`` (see :class:`RunDir`); returns
    the final paths.  A summary with a NaN or inf is refused (status ``failed``): a run never exits
    0 with NaN in its output."""
    from .archive import write_run
    from .report.html import write_report

    if isinstance(out_dir, RunDir):  # already entered (and locked) by the caller, e.g. for the whole run
        rd = out_dir
        ctx = contextlib.nullcontext(rd)
    else:
        rd = RunDir(out_dir, record.scenario, force=force, where=where)
        ctx = rd
    with ctx:
        bad = _finite(record.summary)
        if bad:
            raise InputError("summary", f"{bad} is not finite: the run produced NaN or inf; nothing was kept")
        write_run(rd.path / OUTPUTS["telemetry"], record)  # an OSError: RunDir records it and says so
        (rd.path / OUTPUTS["summary"]).write_text(json.dumps(record.summary, indent=2, allow_nan=False) + "\n")
        (rd.path / OUTPUTS["run"]).write_text(json.dumps(description or {}, indent=2, allow_nan=False) + "\n")
        write_report(rd.path / OUTPUTS["report"], record, parent=parent, fork_t_s=getattr(record, "fork_t_s", None))
    return rd.paths
