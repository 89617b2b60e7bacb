"""Reader for VinDr-Mammo (PhysioNet, v1.0.0): breast BI-RADS, density and finding boxes.

Layout of the download (``physionet.org/files/vindr-mammo/1.0.0/``)::

    <root>/
      breast-level_annotations.csv     one row per image (20,000): BI-RADS, density, split
      finding_annotations.csv          one row per finding box (or a "No Finding" row)
      images/<study_id>/<image_id>.dicom

Its licence (PhysioNet Restricted Health Data License) forbids redistribution: bring your own
download. A conversion to PNG or JPEG in the same ``<study_id>/<image_id>`` layout is read
the same way (``images=`` names its folder).
"""

from __future__ import annotations

import ast
import os
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from mammokit.datasets.readers._source import (
    check_on_missing,
    join_image_files,
    present_classes,
    read_csv,
    require_folder,
    sides_from_letters,
)
from mammokit.errors import DatasetError
from mammokit.records import make_records

__all__ = ["NAME", "VINDR_CLASSES", "is_download", "read_vindr_mammo"]

#: The name :func:`~mammokit.datasets.detect_dataset` gives this dataset.
NAME = "vindr-mammo"

#: The classes of :func:`read_vindr_mammo`'s labels: the breast's BI-RADS assessment.
VINDR_CLASSES = tuple(f"BI-RADS {k}" for k in range(1, 6))
_BREAST_TABLE = "breast-level_annotations.csv"
_FINDING_TABLE = "finding_annotations.csv"
_COLUMNS = (
    "study_id",
    "series_id",
    "image_id",
    "laterality",
    "view_position",
    "height",
    "width",
    "breast_birads",
    "breast_density",
    "split",
)
_FINDING_COLUMNS = (
    "image_id",
    "finding_categories",
    "finding_birads",
    "xmin",
    "ymin",
    "xmax",
    "ymax",
)
_DENSITY = {"DENSITY A": 1.0, "DENSITY B": 2.0, "DENSITY C": 3.0, "DENSITY D": 4.0}


def read_vindr_mammo(
    root: str | os.PathLike,
    images: str | os.PathLike | None = None,
    on_missing: str = "raise",
) -> pd.DataFrame:
    """Read VinDr-Mammo into a records table: one row per image.

    Parameters
    ----------
    root
        The download's folder (``breast-level_annotations.csv``, ``images/``...).
    images
        The folder of ``<study_id>/<image_id>.<dicom|dcm|png|jpg>`` files; default
        ``<root>/images``.
    on_missing
        ``"raise"`` (default) lists every image of the table not on disk; ``"skip"`` drops
        them and lists each in ``records.attrs["skipped"]``.

    Returns
    -------
    pandas.DataFrame
        The records table: ``label`` the breast's BI-RADS as published (``"BI-RADS 1"`` ...
        ``"BI-RADS 5"``) and ``birads`` its number as text; ``density`` 1-4 from
        ``DENSITY A``-``D``; ``side``, ``view``; ``split`` (``training``/``test``, the official
        split); ``study_id``, ``series_id``, ``image_id``, ``height``, ``width``; and, from
        ``finding_annotations.csv`` when present, ``findings`` (the image's finding
        categories, ``;``-joined, ``No Finding`` included as published), ``boxes`` (a tuple of
        ``(xmin, ymin, xmax, ymax)`` in pixels), ``box_categories`` (each box's categories,
        ``;``-joined) and ``box_birads`` (each box's BI-RADS, ``""`` where the table gives
        none); ``dataset="vindr-mammo"``.

    Notes
    -----
    The tables identify studies, not patients: ``patient_id`` and ``exam_id`` are the
    ``study_id`` (the official split is by study too). One published study
    (``dbca9d28baa3207b3187c4d07dc81a80``) has two left CC images and no left MLO; both are
    read as published.

    Default task: the five BI-RADS assessments (``birads``). Also: ``birads-suspicious``
    (BI-RADS 4-5 against 1-3) and ``density``, via :func:`~mammokit.datasets.apply_task`.

    Examples
    --------
    >>> records = read_vindr_mammo("vindr-mammo/1.0.0")  # doctest: +SKIP
    >>> records[records.split == "test"].label.value_counts()  # doctest: +SKIP
    """
    check_on_missing(on_missing)
    root = require_folder(root)
    table_path = root / _BREAST_TABLE
    if not table_path.is_file():
        raise DatasetError(f"{root}: no {_BREAST_TABLE}; pass the VinDr-Mammo download's folder")
    table = read_csv(table_path, _COLUMNS, dtype=str, keep_default_na=False)
    unknown = sorted(set(table["breast_birads"]) - set(VINDR_CLASSES))
    if unknown:
        raise DatasetError(f"{table_path}: unknown breast_birads {unknown}")
    folder = require_folder(images if images is not None else root / "images")
    table, paths, skipped = join_image_files(
        table, "study_id", "image_id", folder, ".dicom", table_path, on_missing
    )
    rows = _columns(table, paths)
    findings_path = root / _FINDING_TABLE
    if findings_path.is_file():
        _add_findings(rows, findings_path)
    classes = present_classes(VINDR_CLASSES, rows["label"])
    return make_records(rows.to_dict("records"), skipped, classes)


def _columns(table: pd.DataFrame, paths: pd.Series) -> pd.DataFrame:
    side = sides_from_letters(table["laterality"], _BREAST_TABLE)
    return pd.DataFrame(
        {
            "image_path": paths.to_numpy(),
            "label": table["breast_birads"].to_numpy(),
            "patient_id": table["study_id"].to_numpy(),
            "exam_id": table["study_id"].to_numpy(),
            "side": side.to_numpy(),
            "view": table["view_position"].str.upper().to_numpy(),
            "density": table["breast_density"].map(_DENSITY).to_numpy(),
            "dataset": "vindr-mammo",
            "birads": table["breast_birads"].str.replace("BI-RADS ", "", regex=False).to_numpy(),
            "split": table["split"].to_numpy(),
            "study_id": table["study_id"].to_numpy(),
            "series_id": table["series_id"].to_numpy(),
            "image_id": table["image_id"].to_numpy(),
            "height": pd.to_numeric(table["height"], errors="coerce").to_numpy(),
            "width": pd.to_numeric(table["width"], errors="coerce").to_numpy(),
        }
    )


def _add_findings(rows: pd.DataFrame, path: Path) -> None:
    """``findings``, ``boxes``, ``box_categories`` and ``box_birads`` of each image."""
    table = read_csv(path, _FINDING_COLUMNS, dtype=str, keep_default_na=False)
    categories: dict[str, set] = defaultdict(set)
    boxes: dict[str, list] = defaultdict(list)
    for line, entry in enumerate(table.itertuples(index=False), start=2):
        names = _categories(entry.finding_categories, path, line)
        categories[entry.image_id].update(names)
        coordinates = (entry.xmin, entry.ymin, entry.xmax, entry.ymax)
        if all(c.strip() == "" for c in coordinates):
            continue
        try:
            box = tuple(float(c) for c in coordinates)
        except ValueError as err:
            raise DatasetError(f"{path}, line {line}: box {coordinates} is not numbers") from err
        boxes[entry.image_id].append((box, ";".join(names), entry.finding_birads.strip()))
    rows["findings"] = [";".join(sorted(categories.get(i, ()))) for i in rows["image_id"]]
    rows["boxes"] = [tuple(b for b, _, _ in boxes.get(i, ())) for i in rows["image_id"]]
    rows["box_categories"] = [tuple(c for _, c, _ in boxes.get(i, ())) for i in rows["image_id"]]
    rows["box_birads"] = [
        tuple(b.replace("BI-RADS ", "") for _, _, b in boxes.get(i, ())) for i in rows["image_id"]
    ]
    rows["n_boxes"] = np.array([len(b) for b in rows["boxes"]], dtype=int)


def _categories(value: str, path: Path, line: int) -> list[str]:
    """``"['Mass', 'Suspicious Calcification']"`` (a Python list literal) as a list."""
    try:
        names = ast.literal_eval(value)
    except (ValueError, SyntaxError) as err:
        raise DatasetError(f"{path}, line {line}: finding_categories {value!r} unreadable") from err
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise DatasetError(f"{path}, line {line}: finding_categories {value!r} is not a list")
    return names


def is_download(path: str | os.PathLike) -> bool:
    """Whether ``path`` holds VinDr-Mammo: its ``breast-level_annotations.csv``."""
    return (Path(path) / "breast-level_annotations.csv").is_file()
