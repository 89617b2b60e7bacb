"""Datasets: records tables from Mini-DDSM, folders and synthetic data; splits; tf.data.

Reading records and splitting needs no TensorFlow; :func:`to_tf_dataset` and
:mod:`~mammokit.datasets.augment` import it when first used.

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

from mammokit.datasets.cbis_ddsm import read_cbis_ddsm
from mammokit.datasets.cmmd import read_cmmd
from mammokit.datasets.dicom_folder import read_dicom_folder, read_dicom_headers
from mammokit.datasets.folder import read_folder
from mammokit.datasets.grouping import group_views
from mammokit.datasets.inbreast import read_inbreast
from mammokit.datasets.loading import detect_dataset, load_records
from mammokit.datasets.mini_ddsm import read_mini_ddsm
from mammokit.datasets.records import (
    CLASSES,
    make_records,
    read_records,
    record_classes,
    save_records,
    with_classes,
)
from mammokit.datasets.rsna_screening import read_rsna_screening
from mammokit.datasets.splits import class_weights, patient_folds, split_by_patient
from mammokit.datasets.synthetic import make_synthetic, synthetic_mammogram
from mammokit.datasets.tasks import TASKS, Task, apply_task, relabel
from mammokit.datasets.vindr_mammo import read_vindr_mammo

if TYPE_CHECKING:  # pragma: no cover
    from mammokit.datasets import augment
    from mammokit.datasets.pipeline import to_tf_dataset

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
    "make_records",
    "make_synthetic",
    "patient_folds",
    "preprocess",
    "read_cbis_ddsm",
    "read_cmmd",
    "read_dicom_folder",
    "read_dicom_headers",
    "read_folder",
    "read_inbreast",
    "read_mini_ddsm",
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

_LAZY = {"to_tf_dataset": ("mammokit.datasets.pipeline", "to_tf_dataset")}
_LAZY_MODULES = ("augment", "pipeline", "preprocess")


def __getattr__(name: str) -> object:
    if name in _LAZY:
        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    if name in _LAZY_MODULES:
        return importlib.import_module(f"mammokit.datasets.{name}")
    raise AttributeError(f"module 'mammokit.datasets' has no attribute {name!r}")
