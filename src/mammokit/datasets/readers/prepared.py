"""Read a prepared dataset (:func:`mammokit.datasets.prepare` writes them).

A prepared dataset is a folder holding ``mammokit-prepared.json`` (the manifest), ``records.csv``
(the records, ``image_path`` pointing at 16-bit PNGs on the model's scale, ``source_path`` at
the originals, and each image's placement) and the images; see
:mod:`mammokit.datasets.preparation` for the layout.

Examples
--------
>>> import tempfile
>>> is_prepared(tempfile.mkdtemp())
False
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from mammokit.errors import DatasetError
from mammokit.imaging.example import STORED_SCALE, InputSpec
from mammokit.model_info import BEFORE_RECORDED
from mammokit.records import read_records

__all__ = [
    "MANIFEST",
    "NAME",
    "is_download",
    "is_prepared",
    "is_prepared_table",
    "prepared_recipe",
    "read_manifest",
    "read_prepared",
    "recipe_of",
]

#: The name :func:`~mammokit.datasets.detect_dataset` gives a prepared dataset.
NAME = "prepared"
#: The manifest's file name; a folder holding it is a prepared dataset.
MANIFEST = "mammokit-prepared.json"
RECORDS = "records.csv"


#: The steps of a recipe a prepared dataset must share with the spec that reads it.
RECIPE_STEPS = ("intensity", "preprocess", "fit", "inversion", "blank")


def recipe_of(spec: InputSpec) -> dict:
    """The recipe a prepared dataset records: what :meth:`InputSpec.model_info` would, and size.

    Examples
    --------
    >>> recipe_of(InputSpec((64, 32), fit="pad"))["fit"]
    'pad'
    """
    return {
        "size": list(spec.size),
        "intensity": list(spec.intensity) if isinstance(spec.intensity, tuple) else spec.intensity,
        "preprocess": spec.preprocess_name,
        "fit": spec.fit,
        "inversion": spec.inversion,
        "blank": spec.blank,
        "storage": f"png16 x {STORED_SCALE:g}",
    }


def is_prepared(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a prepared dataset's folder (it holds the manifest)."""
    return (Path(path) / MANIFEST).is_file()


is_download = is_prepared


def is_prepared_table(records: pd.DataFrame) -> bool:
    """Whether a records table lists prepared images (it has the ``prepared_recipe`` column)."""
    return "prepared_recipe" in records


def read_prepared(path: str | os.PathLike) -> pd.DataFrame:
    """The records of a prepared dataset: ``image_path`` is the prepared file, ``source_path``
    the original, the placement columns map it back (``Placement.from_dict(row)``).

    ``attrs["prepared"]`` is the recipe; every row's ``prepared_recipe`` holds it too, so a
    split saved as CSV and read again still says it is prepared.

    Raises
    ------
    DatasetError
        The folder is not a prepared dataset, or its preparation did not finish.
    """
    folder = Path(path)
    manifest = read_manifest(folder)
    if manifest is None:
        raise DatasetError(f"{folder}: not a prepared dataset (no {MANIFEST})")
    if manifest.get("status") != "complete":
        raise DatasetError(
            f"{folder}: the preparation did not finish ({manifest.get('done', 0)} of "
            f"{manifest['images']} images); run prepare again with the same arguments to resume"
        )
    # the class order of the prepared table (a task's, e.g. NoCancer before Cancer), which
    # sorting the labels would lose; folders prepared before it was recorded sort them
    records = read_records(folder / RECORDS, classes=manifest.get("classes"))
    records.attrs["prepared"] = manifest["recipe"]
    records.attrs["skipped"] = manifest.get("failed", [])
    for name in ("task", "labels"):
        if manifest.get(name):
            records.attrs[name] = manifest[name]
    return records


def prepared_recipe(records: pd.DataFrame) -> dict | None:
    """The recipe of prepared records (their ``prepared_recipe`` column), else ``None``;
    a step the preparing version did not record reads as :data:`BEFORE_RECORDED`."""
    if not is_prepared_table(records) or records.empty:
        return None
    recipes = records["prepared_recipe"].unique()
    if len(recipes) != 1:
        raise DatasetError(f"records mix {len(recipes)} preparations; prepare them as one")
    return {**BEFORE_RECORDED, **json.loads(recipes[0])}


def read_manifest(folder: Path) -> dict | None:
    """The manifest of a prepared dataset's folder, or ``None``."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise DatasetError(f"{path}: not a readable manifest ({err})") from err
