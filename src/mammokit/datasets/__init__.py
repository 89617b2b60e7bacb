"""Datasets: records tables from every public set, splits, tasks, grouping, synthetic data, tf.data.

One reader per dataset lives in :mod:`mammokit.datasets.readers`; splits, tasks, view
grouping, augmentation and synthetic mammograms have a module each; the tf.data pipeline
(:func:`make_dataset`, :func:`to_tf_dataset`) reads images with the recipe of
:class:`mammokit.imaging.InputSpec`. Reading records and splitting needs no TensorFlow; the
pipeline and :mod:`~mammokit.datasets.augment` import it when first used.

Examples
--------
>>> import tempfile
>>> from mammokit import datasets
>>> root = datasets.make_synthetic(tempfile.mkdtemp(), n_patients=12, image_size=(64, 48))
>>> records = datasets.read_mini_ddsm(root)
>>> train, val, test = datasets.split_by_patient(records, val_size=0.25, test_size=0.25, seed=0)
>>> len(records), len(train), datasets.class_weights(train)
(48, 24, {0: 1.0, 1: 1.0, 2: 1.0})
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from mammokit.datasets.grouping import group_views
from mammokit.datasets.preparation import prepare
from mammokit.datasets.readers import (
    detect_dataset,
    load_records,
    read_cbis_ddsm,
    read_cmmd,
    read_dicom_folder,
    read_dicom_headers,
    read_folder,
    read_inbreast,
    read_mias,
    read_mini_ddsm,
    read_prepared,
    read_rsna_screening,
    read_vindr_mammo,
)
from mammokit.datasets.splits import (
    class_weights,
    official_split,
    patient_folds,
    split_by_patient,
)
from mammokit.datasets.synthetic import make_synthetic, synthetic_mammogram
from mammokit.datasets.tasks import TASKS, Task, apply_task, relabel
from mammokit.records import (
    CLASSES,
    make_records,
    read_records,
    record_classes,
    save_records,
    with_classes,
)

if TYPE_CHECKING:  # pragma: no cover
    from mammokit.datasets import augment
    from mammokit.datasets.pipeline import make_dataset, to_tf_dataset

__all__ = [
    "CLASSES",
    "TASKS",
    "Task",
    "apply_task",
    "augment",
    "class_weights",
    "detect_dataset",
    "group_views",
    "load_records",
    "make_dataset",
    "make_records",
    "make_synthetic",
    "official_split",
    "patient_folds",
    "prepare",
    "read_cbis_ddsm",
    "read_cmmd",
    "read_dicom_folder",
    "read_dicom_headers",
    "read_folder",
    "read_inbreast",
    "read_mias",
    "read_mini_ddsm",
    "read_prepared",
    "read_records",
    "read_rsna_screening",
    "read_vindr_mammo",
    "record_classes",
    "relabel",
    "save_records",
    "split_by_patient",
    "synthetic_mammogram",
    "to_tf_dataset",
    "with_classes",
]

_LAZY = {
    "make_dataset": ("mammokit.datasets.pipeline", "make_dataset"),
    "to_tf_dataset": ("mammokit.datasets.pipeline", "to_tf_dataset"),
}
_LAZY_MODULES = ("augment", "pipeline")
#: Submodules that moved in 0.2 (mammokit.records, mammokit.imaging.preprocess, readers/):
#: their old paths still load, with a DeprecationWarning, until 0.3.
_MOVED_MODULES = (
    "cbis_ddsm",
    "cmmd",
    "dicom_folder",
    "folder",
    "inbreast",
    "loading",
    "mini_ddsm",
    "preprocess",
    "records",
    "rsna_screening",
    "vindr_mammo",
)


def __getattr__(name: str) -> object:
    if name in _LAZY:
        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    if name in _LAZY_MODULES or name in _MOVED_MODULES:
        return importlib.import_module(f"mammokit.datasets.{name}")
    raise AttributeError(f"module 'mammokit.datasets' has no attribute {name!r}")
