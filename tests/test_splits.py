import pytest

from mammokit.datasets import class_weights, make_records, patient_folds, split_by_patient
from mammokit.errors import DatasetError


def _records(n_patients=30):
    labels = ("Normal", "Benign", "Cancer")
    rows = [
        {"image_path": f"/data/{p}_{v}.png", "label": labels[p % 3], "patient_id": f"P{p:03d}"}
        for p in range(n_patients)
        for v in range(4)
    ]
    return make_records(rows)


def test_no_patient_in_two_parts_and_every_class_everywhere():
    train, val, test = split_by_patient(_records(), val_size=0.2, test_size=0.2, seed=1)
    ids = [set(part["patient_id"]) for part in (train, val, test)]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert len(train) + len(val) + len(test) == 120
    for part in (train, val, test):
        assert set(part["label"]) == {"Normal", "Benign", "Cancer"}
        assert part.groupby("patient_id").size().eq(4).all()


def test_deterministic_per_seed():
    first = split_by_patient(_records(), 0.2, 0.2, seed=7)
    again = split_by_patient(_records(), 0.2, 0.2, seed=7)
    other = split_by_patient(_records(), 0.2, 0.2, seed=8)
    assert [list(p.patient_id) for p in first] == [list(p.patient_id) for p in again]
    assert [list(p.patient_id) for p in first] != [list(p.patient_id) for p in other]


def test_bad_sizes_are_rejected():
    with pytest.raises(DatasetError, match="val_size"):
        split_by_patient(_records(), 0.6, 0.5)
    with pytest.raises(DatasetError, match="too few patients"):
        split_by_patient(_records(2), 0.0, 0.9)


def test_class_weights_follow_the_thesis_formula():
    labels = ["Normal"] * 6 + ["Benign"] * 3 + ["Cancer"] * 2
    rows = [
        {"image_path": f"/{i}", "label": lab, "patient_id": str(i)} for i, lab in enumerate(labels)
    ]
    assert class_weights(make_records(rows)) == {0: 1.0, 1: 2.0, 2: 3.0}
    with pytest.raises(DatasetError, match="Cancer"):
        class_weights(make_records(rows[:9]))


def _patients(n_patients: int, views: int = 4):
    labels = ["Normal", "Benign", "Cancer"]
    rows = [
        {"image_path": f"/{p}_{v}.png", "label": labels[p % 3], "patient_id": f"P{p:03d}"}
        for p in range(n_patients)
        for v in range(views)
    ]
    return make_records(rows)


def test_patient_folds_test_every_patient_once_and_never_train_on_it():
    records = _patients(31)
    folds = list(patient_folds(records, k=5, seed=1))
    assert len(folds) == 5
    tested = [p for _, test in folds for p in test["patient_id"].unique()]
    assert sorted(tested) == sorted(records["patient_id"].unique())
    for train, test in folds:
        assert not set(train["patient_id"]) & set(test["patient_id"])
        assert len(train) + len(test) == len(records)
        assert set(test["label"]) == {"Normal", "Benign", "Cancer"}  # stratified
        assert train.attrs["classes"] == records.attrs["classes"]
    again = [test["patient_id"].tolist() for _, test in patient_folds(records, k=5, seed=1)]
    assert again == [test["patient_id"].tolist() for _, test in folds]
    other = [test["patient_id"].tolist() for _, test in patient_folds(records, k=5, seed=2)]
    assert other != again


def test_patient_folds_refuses_impossible_k():
    with pytest.raises(DatasetError, match="k must be"):
        patient_folds(_patients(3), k=4)
    with pytest.raises(DatasetError, match="k must be"):
        patient_folds(_patients(9), k=1)
