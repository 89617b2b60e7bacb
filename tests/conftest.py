"""Shared fixtures: a small synthetic Mini-DDSM tree and tiny models."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import sys

import pytest

from mammokit.datasets import make_synthetic, read_mini_ddsm


@pytest.fixture(autouse=True)
def _deterministic_ops_off_after_each_test():
    """Switch TensorFlow's deterministic ops off again after a test that switched them on.

    ``make_reproducible`` (the demo, ``train_model``) turns them on for the whole process, and
    Keras then silently trains without XLA; later tests must run as a fresh process would.
    """
    yield
    if "tensorflow" in sys.modules:
        from tensorflow.python.framework import config

        if config.is_op_determinism_enabled():
            config.disable_op_determinism()


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory):
    """Nine patients (three a class), both variants, 96x64 images."""
    root = tmp_path_factory.mktemp("synthetic")
    return make_synthetic(
        root, n_patients=9, image_size=(96, 64), seed=3, variants=("jpeg8", "png16")
    )


@pytest.fixture(scope="session")
def records(synthetic_root):
    return read_mini_ddsm(synthetic_root)


def write_dicom(path, pixels, photometric="MONOCHROME2", **elements):
    """Write a minimal uncompressed DICOM file holding ``pixels`` (uint16, 2-D)."""
    pydicom = pytest.importorskip("pydicom")
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.2"  # digital mammography
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    dataset = pydicom.Dataset()
    dataset.file_meta = meta
    dataset.SOPClassUID = meta.MediaStorageSOPClassUID
    dataset.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    dataset.Modality = "MG"
    dataset.Rows, dataset.Columns = pixels.shape
    dataset.SamplesPerPixel = 1
    dataset.PhotometricInterpretation = photometric
    dataset.BitsAllocated = 16
    dataset.BitsStored = 16
    dataset.HighBit = 15
    dataset.PixelRepresentation = 0
    for name, value in elements.items():
        setattr(dataset, name, value)
    dataset.PixelData = pixels.astype("<u2").tobytes()
    dataset.save_as(path, enforce_file_format=True)
    return path
