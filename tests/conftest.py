"""Shared fixtures: a small synthetic Mini-DDSM tree and tiny models."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest

from mammokit.datasets import make_synthetic, read_mini_ddsm


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
