"""Helpers the dataset readers share: reading published tables, finding files, missing files."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from mammokit.errors import DatasetError
from mammokit.imaging.io import DICOM_SUFFIXES, IMAGE_SUFFIXES
from mammokit.views import parse_side


def write_mask(target: Path, mask: np.ndarray, reader: str) -> Path:
    """Write a mask a reader drew (creating its folder), or an error saying what to pass."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not cv2.imwrite(str(target), mask):
            raise OSError("OpenCV could not write the file")
    except OSError as err:
        raise DatasetError(
            f"{target}: cannot write the mask ({err}); pass {reader}(mask_dir=...) a writable "
            "folder"
        ) from err
    return target


#: What a reader may do with a table row whose file is missing.
ON_MISSING = ("raise", "skip")
#: Label of a record whose source gives none (an archive read only to predict).
UNLABELLED = "Unlabelled"


def check_on_missing(on_missing: str) -> None:
    if on_missing not in ON_MISSING:
        raise DatasetError(f"on_missing must be one of {ON_MISSING}, got {on_missing!r}")


def read_csv(path: Path, columns: Sequence[str] = (), **kwargs) -> pd.DataFrame:
    """A published CSV (a real parser: quoted fields may hold line breaks) or a clear error."""
    try:
        table = pd.read_csv(path, **kwargs)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise DatasetError(f"{path}: not a readable CSV table ({err})") from err
    return require_columns(table, columns, path)


def read_excel(path: Path, columns: Sequence[str] = (), **kwargs) -> pd.DataFrame:
    """A published spreadsheet or a clear error."""
    try:
        table = pd.read_excel(path, **kwargs)
    except Exception as err:  # openpyxl/zipfile raise many kinds for a broken file
        raise DatasetError(f"{path}: not a readable spreadsheet ({err})") from err
    return require_columns(table, columns, path)


def require_columns(table: pd.DataFrame, columns: Iterable[str], path: Path | str) -> pd.DataFrame:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DatasetError(f"{path}: missing column(s) {missing}; found {list(table.columns)}")
    return table


def find_file(root: Path, names: Sequence[str], folders: Sequence[str] = ("",)) -> Path | None:
    """The first of ``folders/names`` (in that order) that exists under ``root``."""
    for name in names:
        for folder in folders:
            candidate = root / folder / name
            if candidate.is_file():
                return candidate
    return None


def require_folder(root: str | os.PathLike) -> Path:
    root = Path(root).expanduser().resolve()
    if not root.is_dir():
        raise DatasetError(f"{root}: no such folder")
    return root


def walk_files(root: Path, suffixes: Sequence[str] | None = None) -> list[str]:
    """Every file under ``root`` (``os.walk``: one directory read per folder, no stat per file)."""
    wanted = tuple(s.lower() for s in suffixes) if suffixes else None
    found = []
    for folder, _, names in os.walk(root):
        for name in names:
            if wanted is None or name.lower().endswith(wanted):
                found.append(os.path.join(folder, name))
    return found


def handle_missing(
    missing: list[dict], on_missing: str, source: Path | str, skipped: list[dict]
) -> None:
    """Raise listing the missing files, or add them to ``skipped`` (``on_missing="skip"``)."""
    if missing and on_missing == "raise":
        listed = "\n  ".join(f"{m['path']} ({m['reason']})" for m in missing[:20])
        more = f"\n  ... and {len(missing) - 20} more" if len(missing) > 20 else ""
        raise DatasetError(
            f"{len(missing)} file(s) listed in {source} are missing (pass on_missing='skip' to "
            f"drop them):\n  {listed}{more}"
        )
    skipped.extend(missing)


def present_classes(order: Sequence[str], labels: Iterable[str]) -> tuple[str, ...]:
    """The classes of ``order`` that occur in ``labels``, in ``order``'s order."""
    seen = set(labels)
    return tuple(name for name in order if name in seen)


def join_image_files(
    table: pd.DataFrame,
    group: str,
    image: str,
    folder: Path,
    suffix: str,
    table_path: Path,
    on_missing: str,
) -> tuple[pd.DataFrame, pd.Series, list[dict]]:
    """Match the rows of a ``<group>/<image id>`` dataset's table to the files on disk.

    Returns the rows with a file, their paths and the missing ones (``on_missing="skip"``; with
    ``"raise"`` a missing file is an error naming it, as ``<folder>/<group>/<id><suffix>``).
    """
    found = files_by_folder_and_stem(folder, DICOM_SUFFIXES + IMAGE_SUFFIXES)
    keys = table[group].astype(str) + "/" + table[image].astype(str)
    paths = keys.map(found)
    absent = paths.isna().to_numpy()
    reason = f"image listed in {table_path.name} is missing"
    missing = [{"path": str(folder / f"{key}{suffix}"), "reason": reason} for key in keys[absent]]
    skipped: list[dict] = []
    handle_missing(missing, on_missing, table_path, skipped)
    if absent.all():
        raise DatasetError(f"{folder}: none of the images listed in {table_path} were found")
    return table[~absent], paths[~absent], skipped


def sides_from_letters(letters: pd.Series, source: str) -> pd.Series:
    """``L``/``R`` as ``LEFT``/``RIGHT``; any other value is an error naming ``source``."""
    sides = letters.map(lambda letter: parse_side(letter) if letter in ("L", "R") else "")
    if (sides == "").any():
        bad = letters[sides == ""].unique()[:5].tolist()
        raise DatasetError(f"{source}: laterality must be L or R, found {bad}")
    return sides


def files_by_folder_and_stem(folder: Path, suffixes: Sequence[str]) -> dict[str, str]:
    """``{"<parent folder>/<file stem>": path}`` of every file under ``folder`` with a suffix.

    The datasets laid out as ``<group>/<id>.<suffix>`` (RSNA, VinDr-Mammo) are matched to
    their tables through this map: one directory listing per folder, no check per file. A
    conversion to PNG or JPEG is matched like the published DICOMs.
    """
    wanted = tuple(s.lower() for s in suffixes)
    found: dict[str, str] = {}
    for parent, _, names in os.walk(folder):
        group = os.path.basename(parent)
        for name in names:
            stem, dot, suffix = name.rpartition(".")
            if dot and f".{suffix.lower()}" in wanted:
                found.setdefault(f"{group}/{stem}", os.path.join(parent, name))
    return found
