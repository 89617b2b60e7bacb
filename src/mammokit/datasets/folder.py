"""Reader for users' own images sorted into one folder per class."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from mammokit.datasets.records import CLASSES, make_records
from mammokit.errors import DatasetError
from mammokit.io import DICOM_SUFFIXES, IMAGE_SUFFIXES

__all__ = ["read_folder"]

_SUFFIXES = IMAGE_SUFFIXES + DICOM_SUFFIXES


def read_folder(root: str | os.PathLike, metadata: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read ``<root>/<class name>/**/<image>`` into a records table.

    Class folder names are matched to :data:`CLASSES` case-insensitively; other folders and
    files that are not images are ignored and listed in ``records.attrs["skipped"]``. The
    patient is the file stem unless the metadata CSV says otherwise.

    Parameters
    ----------
    root
        Folder with ``Normal/``, ``Benign/`` and/or ``Cancer/`` subfolders.
    metadata
        Optional CSV with a ``file`` column (path relative to ``root``, or file name) and any of
        ``patient_id``, ``side``, ``view``, ``age``, ``density``; its values replace the defaults.

    Returns
    -------
    pandas.DataFrame
        The records table, sorted by ``image_path``.

    Examples
    --------
    >>> import tempfile, pathlib, cv2, numpy as np
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "cancer" / "p1").mkdir(parents=True)
    >>> _ = cv2.imwrite(str(root / "cancer" / "p1" / "a.png"), np.zeros((8, 8), np.uint8))
    >>> read_folder(root)[["label", "patient_id"]].values.tolist()
    [['Cancer', 'a']]
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise DatasetError(f"{root}: not a folder")
    names = {name.lower(): name for name in CLASSES}
    rows, skipped = [], []
    for folder in sorted(p for p in root.iterdir()):
        label = names.get(folder.name.lower())
        if label is None or not folder.is_dir():
            skipped.append({"path": str(folder), "reason": "not a class folder"})
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if path.suffix.lower() not in _SUFFIXES:
                skipped.append({"path": str(path), "reason": "not an image file"})
                continue
            rows.append({"image_path": str(path), "label": label, "patient_id": path.stem})
    if not rows:
        raise DatasetError(
            f"{root}: no images found; expected subfolders named {list(CLASSES)} holding images"
        )
    records = make_records(rows, skipped)
    if metadata is not None:
        records = _merge_metadata(records, root, Path(metadata))
    return records.sort_values("image_path", ignore_index=True)


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
