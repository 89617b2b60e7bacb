"""A run folder is a unit: one writer at a time, never mixed with another run, never a
half-written run that looks finished.

:func:`run_folder` wraps whatever writes a run (``mammokit train``): it refuses a folder that
holds a finished run unless told to overwrite it (and then removes that run's files first,
exports included), takes a lock so that a second writer is refused, and records the run's
status in ``mammokit-run.json``: ``running`` while it works, ``complete`` when it returns,
``interrupted`` on Ctrl-C, ``failed`` on an error. A folder whose manifest does not say
``complete`` is not a finished run. ``resume=True`` takes such a run up again: the manifest
keeps what it recorded (its ``arguments``, when the command stored them) and notes when it
was resumed.

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "run1"
>>> with run_folder(out, command="train"):
...     _ = (out / "model.txt").write_text("weights")
>>> read_run(out)["status"], read_run(out)["files"]
('complete', ['model.txt'])
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mammokit._version import __version__
from mammokit.errors import MammokitError

__all__ = [
    "LOCK",
    "MANIFEST",
    "RUN_FILES",
    "RUN_SUFFIXES",
    "RunFolderError",
    "read_run",
    "run_folder",
]

#: The run's manifest in its folder.
MANIFEST = "mammokit-run.json"
#: The lock a writing run holds.
LOCK = ".mammokit-run.lock"


#: Files of a run (besides those its manifest lists): the splits, the report, cross-validation.
RUN_FILES = ("train.csv", "val.csv", "test.csv", "folds.json", "report.json", "gradcam")
#: ... and endings of a model's files and of its exports and sidecars.
RUN_SUFFIXES = (
    ".keras",
    ".tflite",
    ".onnx",
    ".mammokit.json",
    "_report.json",
    "_history.csv",
    "_training.png",
    "_confusion.png",
)
_FOLD = re.compile(r"fold\d+")


class RunFolderError(MammokitError):
    """A run folder that is in use, or holds a run that would be overwritten."""


def read_run(folder: str | os.PathLike) -> dict | None:
    """The manifest of the run in ``folder``, or ``None`` when there is none."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise RunFolderError(f"{path}: not a readable run manifest ({err})") from err


@contextmanager
def run_folder(
    folder: str | os.PathLike,
    command: str = "",
    overwrite: bool = False,
    *,
    resume: bool = False,
    arguments: dict | None = None,
) -> Iterator[Path]:
    """Hold ``folder`` for one run: refuse or clear an old run, lock, record the status.

    Parameters
    ----------
    folder
        The run's output folder (created).
    command
        What is run, recorded in the manifest.
    overwrite
        Replace a run already in ``folder``: its files (those its manifest lists, and any
        export beside them) are removed before the new run starts. Without it a folder that
        holds a run, or files that look like one, is refused.
    resume
        Continue the unfinished run in ``folder`` (interrupted, failed, or left ``running`` by
        a process that is gone) instead of starting one; a finished run, or none, is refused.
    arguments
        The run's options (JSON-serialisable), recorded so that the run can be resumed as it
        was started (:func:`read_run` gives them back).

    Raises
    ------
    RunFolderError
        Another writer holds the folder, it holds a run and ``overwrite`` is false, or
        ``resume`` finds no unfinished run.
    """
    folder = Path(folder)
    if resume and overwrite:
        raise RunFolderError(f"{folder}: resume continues a run, overwrite replaces it: not both")
    folder.mkdir(parents=True, exist_ok=True)
    lock = _take_lock(folder)
    try:
        if resume:
            manifest = {**_unfinished_run(folder), "status": "running", "pid": os.getpid()}
            manifest["resumed"] = [*manifest.get("resumed", []), _now()]
        else:
            _clear_old_run(folder, overwrite)
            manifest = {
                "status": "running",
                "command": command,
                "arguments": arguments,
                "mammokit_version": __version__,
                "started": _now(),
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "preexisting": _files(folder),  # yours, not the run's
            }
        before = set(manifest["preexisting"])
        _write(folder, manifest)
        try:
            yield folder
        except KeyboardInterrupt:
            _write(folder, {**manifest, "status": "interrupted", **_ended(folder, before)})
            raise
        except BaseException as err:
            _write(
                folder,
                {**manifest, "status": "failed", "error": str(err), **_ended(folder, before)},
            )
            raise
        _write(folder, {**manifest, "status": "complete", **_ended(folder, before)})
    finally:
        lock.unlink(missing_ok=True)


def _unfinished_run(folder: Path) -> dict:
    """The manifest of the run in ``folder`` that ``resume`` may continue."""
    old = read_run(folder)
    if old is None:
        raise RunFolderError(f"{folder}: no run to resume (no {MANIFEST})")
    if old.get("status") == "complete":
        raise RunFolderError(f"{folder}: the run is complete; nothing to resume")
    if "preexisting" not in old:
        raise RunFolderError(f"{folder}: the run was written by an older mammokit; start it again")
    return {key: value for key, value in old.items() if key not in ("error", "finished")}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


def _take_lock(folder: Path) -> Path:
    """Create the lock file atomically, or say who holds it (a dead holder's lock is taken)."""
    lock = folder / LOCK
    for _ in range(2):
        try:
            handle = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            holder = _holder(lock)
            if holder is not None:
                raise RunFolderError(
                    f"{folder}: another run is writing here ({holder}); wait for it, or use "
                    "another --out"
                ) from None
            lock.unlink(missing_ok=True)  # its process is gone: a stale lock
            continue
        with os.fdopen(handle, "w") as writer:
            writer.write(json.dumps({"host": socket.gethostname(), "pid": os.getpid()}))
        return lock
    raise RunFolderError(f"{folder}: could not take the run lock {lock}")


def _holder(lock: Path) -> str | None:
    """Who holds ``lock``, or ``None`` when its process on this host is gone."""
    try:
        owner = json.loads(lock.read_text() or "{}")
    except (OSError, json.JSONDecodeError):
        return "unknown process"
    pid, host = owner.get("pid"), owner.get("host")
    if host == socket.gethostname() and isinstance(pid, int):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
    return f"process {pid} on {host}"


def _clear_old_run(folder: Path, overwrite: bool) -> None:
    """Refuse, or with ``overwrite`` remove, the run already in ``folder``: the files its
    manifest lists and every file a run or an export of its model writes (a run of a version
    without manifests included). Other files of yours are left alone."""
    old = read_run(folder)
    listed = set(old.get("files", [])) if old else set()
    files = [name for name in _files(folder) if name in listed or _is_run_file(name)]
    if old is None and not files:
        return
    if not overwrite:
        what = f"a {old['status']} run" if old else f"{len(files)} file(s) of an earlier run"
        raise RunFolderError(
            f"{folder}: holds {what}; use --overwrite to replace it, or another --out"
        )
    for name in files:
        path = folder / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    (folder / MANIFEST).unlink(missing_ok=True)


def _is_run_file(name: str) -> bool:
    """Whether ``name`` is something a run or an export writes."""
    return name in RUN_FILES or name.endswith(RUN_SUFFIXES) or _FOLD.fullmatch(name) is not None


def _files(folder: Path) -> list[str]:
    """Everything in ``folder`` but the manifest and the lock, sorted."""
    return sorted(p.name for p in folder.iterdir() if p.name not in (MANIFEST, LOCK))


def _ended(folder: Path, before: set[str]) -> dict:
    return {
        "finished": _now(),
        "files": [name for name in _files(folder) if name not in before],
    }


def _write(folder: Path, manifest: dict) -> None:
    """Write the manifest atomically (a reader never sees half of it)."""
    temporary = folder / f"{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest, indent=2))
    temporary.replace(folder / MANIFEST)
