"""Reader for users' own images sorted into one folder per class."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from mammokit.errors import DatasetError
from mammokit.imaging.io import DICOM_SUFFIXES, IMAGE_SUFFIXES
from mammokit.records import CLASSES, make_records

__all__ = ["read_folder"]

logger = logging.getLogger("mammokit")

_SUFFIXES = IMAGE_SUFFIXES + DICOM_SUFFIXES


def read_folder(
    root: str | os.PathLike,
    metadata: str | os.PathLike | None = None,
    classes: Sequence[str] | None = None,
    patient_from: str | None = None,
) -> pd.DataFrame:
    """Read ``<root>/<class name>/**/<image>`` into a records table.

    Each subfolder holding images is a class, named after the folder; a folder whose name is
    one of :data:`~mammokit.records.CLASSES` in any case (``cancer/``) gets that
    spelling. Files that are not images, and folders without images, are listed in
    ``records.attrs["skipped"]``. The patient is the file stem unless ``patient_from`` or the
    metadata CSV says otherwise; when that makes every image its own patient, a warning says
    that ``split_by_patient`` cannot keep a patient's views together.

    Parameters
    ----------
    root
        Folder with one subfolder per class, e.g. ``Normal/``, ``Benign/``, ``Cancer/`` or
        ``Benign/``, ``Malignant/``.
    metadata
        Optional CSV with a ``file`` column (path relative to ``root``, or file name) and any of
        ``patient_id``, ``side``, ``view``, ``age``, ``density``; its values replace the defaults.
    classes
        The class names in output order, matched to folder names case-insensitively; other
        folders are skipped. Default: every folder with images, in Mini-DDSM's order when they
        are Mini-DDSM's classes, else sorted.
    patient_from
        A regular expression searched in each file's path relative to ``root`` (``/``
        separators); its group ``patient`` (or its first group, or the whole match) is the
        patient, e.g. ``r"^[^/]+/(?P<patient>[^/]+)/"`` for ``<class>/<patient>/<image>``
        or ``r"(P\\d+)_"`` for ``P0042_L_CC.png``. A file it does not match is skipped and
        listed.

    Returns
    -------
    pandas.DataFrame
        The records table, sorted by ``image_path``; ``attrs["classes"]`` set.

    Examples
    --------
    >>> import tempfile, pathlib, cv2, numpy as np
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "cancer" / "p1").mkdir(parents=True)
    >>> _ = cv2.imwrite(str(root / "cancer" / "p1" / "a.png"), np.zeros((8, 8), np.uint8))
    >>> read_folder(root)[["label", "patient_id"]].values.tolist()
    [['Cancer', 'a']]
    >>> read_folder(root, patient_from=r"^[^/]+/([^/]+)/")["patient_id"].tolist()
    ['p1']
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise DatasetError(f"{root}: not a folder")
    try:
        pattern = re.compile(patient_from) if patient_from is not None else None
    except re.error as err:
        raise DatasetError(f"patient_from is not a regular expression: {err}") from err
    wanted = {str(name).lower(): str(name) for name in (classes or ())}
    known = {name.lower(): name for name in CLASSES}
    rows, skipped = [], []
    for folder in sorted(p for p in root.iterdir()):
        key = folder.name.lower()
        label = wanted.get(key) if classes else known.get(key, folder.name)
        if label is None or not folder.is_dir():
            skipped.append({"path": str(folder), "reason": "not a class folder"})
            continue
        images = []
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if path.suffix.lower() not in _SUFFIXES:
                skipped.append({"path": str(path), "reason": "not an image file"})
                continue
            patient = _patient(path, root, pattern)
            if patient is None:
                skipped.append({"path": str(path), "reason": "patient_from did not match"})
                continue
            images.append({"image_path": str(path), "label": label, "patient_id": patient})
        if not images:
            skipped.append({"path": str(folder), "reason": "no images in this folder"})
        rows += images
    if not rows:
        expected = list(classes) if classes else "one per class"
        raise DatasetError(f"{root}: no images found; expected subfolders ({expected}) of images")
    records = make_records(rows, skipped, classes)
    if metadata is not None:
        records = _merge_metadata(records, root, Path(metadata))
    if len(records) > 1 and records["patient_id"].nunique() == len(records):
        logger.warning(
            "%s: every one of the %d images is its own patient, so split_by_patient cannot keep "
            "a patient's views together; pass patient_from= or a metadata CSV with patient_id",
            root,
            len(records),
        )
    return records.sort_values("image_path", ignore_index=True)


def _patient(path: Path, root: Path, pattern: re.Pattern | None) -> str | None:
    """The patient of one file: the file stem, or what ``pattern`` finds in its path."""
    if pattern is None:
        return path.stem
    match = pattern.search(path.relative_to(root).as_posix())
    if match is None:
        return None
    if "patient" in pattern.groupindex:
        return match.group("patient")
    return match.group(1) if pattern.groups else match.group(0)


def _merge_metadata(records: pd.DataFrame, root: Path, metadata: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(metadata, dtype={"file": str, "patient_id": str})
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise DatasetError(f"{metadata}: not a readable CSV ({err})") from err
    if "file" not in table.columns:
        raise DatasetError(f"{metadata}: needs a 'file' column; found {list(table.columns)}")
    by_relative = {
        str(Path(p).relative_to(root)).replace("\\", "/"): i
        for i, p in enumerate(records.image_path)
    }
    by_name = {Path(p).name: i for i, p in enumerate(records.image_path)}
    columns = [c for c in ("patient_id", "side", "view", "age", "density") if c in table.columns]
    unmatched = []
    for entry in table.itertuples(index=False):
        key = str(entry.file).replace("\\", "/")
        index = by_relative.get(key, by_name.get(key))
        if index is None:
            unmatched.append(key)
            continue
        for column in columns:
            value = getattr(entry, column)
            if column in ("side", "view") and isinstance(value, str):
                value = value.upper()
            records.at[index, column] = value
    if unmatched:
        raise DatasetError(
            f"{metadata}: {len(unmatched)} row(s) name no image under {root}: {unmatched[:5]}"
        )
    return records
