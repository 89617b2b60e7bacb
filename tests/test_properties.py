"""Property tests: invariants that must hold for any input, not just the examples we chose."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mammokit.datasets import CLASSES, make_records, split_by_patient
from mammokit.errors import DatasetError
from mammokit.imaging.preprocess import clahe, crop_breast, flip_to_left
from mammokit.metrics import sensitivity_specificity

rows = st.lists(st.tuples(st.integers(0, 60), st.sampled_from(CLASSES)), min_size=1, max_size=120)
fractions = st.floats(0.0, 0.45)


def _table(entries):
    return make_records(
        [
            {"image_path": f"/img/{i}.png", "label": label, "patient_id": f"P{patient}"}
            for i, (patient, label) in enumerate(entries)
        ]
    )


@settings(max_examples=150, deadline=None)
@given(rows, fractions, fractions, st.integers(0, 2**16))
def test_split_never_leaks_loses_or_varies(entries, val_size, test_size, seed):
    records = _table(entries)
    try:
        parts = split_by_patient(records, val_size, test_size, seed)
    except DatasetError:
        return  # too few patients for the requested parts: refused, never a silent bad split
    ids = [set(part["patient_id"]) for part in parts]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert sorted(np.concatenate([p["image_path"] for p in parts])) == sorted(records["image_path"])
    again = split_by_patient(records, val_size, test_size, seed)
    assert [list(p["image_path"]) for p in parts] == [list(p["image_path"]) for p in again]
    assert len(parts[0]) > 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hnp.arrays(
        st.sampled_from([np.uint8, np.uint16]),
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=4, max_side=40),
    )
)
def test_preprocessing_keeps_dtype_and_finite_values(image):
    for function in (crop_breast, flip_to_left, clahe):
        out = function(image)
        assert out.dtype == image.dtype
        assert out.ndim == 2 and out.size > 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hnp.arrays(
        np.float32,
        st.tuples(st.integers(4, 30), st.integers(4, 30)),
        elements=st.floats(-1e6, 1e6, width=32),
    )
)
def test_float_preprocessing_never_makes_nan(image):
    for function in (crop_breast, clahe):
        assert np.isfinite(function(image)).all()


@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=200))
def test_rates_stay_in_unit_interval(pairs):
    truth, guess = np.array(pairs).T
    result = sensitivity_specificity(truth, guess, num_classes=3)
    for key in ("sensitivity", "specificity"):
        assert all(0.0 <= v <= 1.0 for v in result[key])


@settings(max_examples=50, deadline=None)
@given(
    hnp.arrays(
        np.float32, st.tuples(st.integers(1, 8), st.just(3)), elements=st.floats(0, 1, width=32)
    ),
    st.integers(0, 2),
)
def test_loss_is_finite_and_non_negative_for_any_probabilities(probabilities, label):
    from mammokit.losses import WeightedCategoricalCrossentropy

    truth = np.eye(3, dtype="float32")[np.full(len(probabilities), label)]
    value = float(WeightedCategoricalCrossentropy([1.0, 2.0, 3.0])(truth, probabilities))
    assert np.isfinite(value) and value >= 0.0


def test_split_refuses_impossible_requests():
    with pytest.raises(DatasetError):
        split_by_patient(_table([(0, "Normal")]), 0.3, 0.3, 0)
