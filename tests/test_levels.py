"""Results per breast and per patient, and intervals that resample patients."""

import numpy as np
import pytest

from mammokit import metrics
from mammokit.errors import MammokitError
from mammokit.metrics import reports
from mammokit.metrics.levels import aggregate_predictions, level_report
from mammokit.records import make_records

CLASSES = ("Normal", "Benign", "Cancer")


@pytest.fixture
def two_patients():
    """P1: a Cancer in the left breast; P2: a Benign in the right. Four views each."""
    labels = {("P1", "LEFT"): "Cancer", ("P2", "RIGHT"): "Benign"}
    rows = [
        {
            "image_path": f"/{p}_{s}_{v}.png",
            "label": labels.get((p, s), "Normal"),
            "patient_id": p,
            "side": s,
            "view": v,
        }
        for p in ("P1", "P2")
        for s in ("LEFT", "RIGHT")
        for v in ("CC", "MLO")
    ]
    probabilities = np.array(
        [
            [0.1, 0.2, 0.7],  # P1 LEFT CC
            [0.5, 0.1, 0.4],  # P1 LEFT MLO
            [0.8, 0.1, 0.1],  # P1 RIGHT CC
            [0.6, 0.3, 0.1],  # P1 RIGHT MLO
            [0.7, 0.2, 0.1],  # P2 LEFT CC
            [0.9, 0.1, 0.0],  # P2 LEFT MLO
            [0.2, 0.6, 0.2],  # P2 RIGHT CC
            [0.4, 0.4, 0.2],  # P2 RIGHT MLO
        ]
    )
    return make_records(rows, classes=CLASSES), probabilities


def test_breast_mean_by_hand(two_patients):
    records, probabilities = two_patients
    table = aggregate_predictions(records, probabilities, "breast", "mean")
    assert table[["patient_id", "side", "label", "n_images"]].values.tolist() == [
        ["P1", "LEFT", "Cancer", 2],
        ["P1", "RIGHT", "Normal", 2],
        ["P2", "LEFT", "Normal", 2],
        ["P2", "RIGHT", "Benign", 2],
    ]
    expected = [[0.3, 0.15, 0.55], [0.7, 0.2, 0.1], [0.8, 0.15, 0.05], [0.3, 0.5, 0.2]]
    np.testing.assert_allclose(table[list(CLASSES)], expected)


def test_patient_max_by_hand(two_patients):
    records, probabilities = two_patients
    table = aggregate_predictions(records, probabilities, "patient", "max")
    assert table["label"].tolist() == ["Cancer", "Benign"]  # most severe image label
    # P(at least Benign) and P(Cancer): the largest over the patient's four images
    p1_lesion, p1_cancer = max(0.9, 0.5, 0.2, 0.4), max(0.7, 0.4, 0.1, 0.1)
    p2_lesion, p2_cancer = max(0.3, 0.1, 0.8, 0.6), max(0.1, 0.0, 0.2, 0.2)
    expected = [
        [1 - p1_lesion, p1_lesion - p1_cancer, p1_cancer],
        [1 - p2_lesion, p2_lesion - p2_cancer, p2_cancer],
    ]
    np.testing.assert_allclose(table[list(CLASSES)], expected)


def test_max_of_two_classes_is_the_largest_positive_probability():
    rows = [
        {"image_path": f"/{i}.png", "label": "Neg", "patient_id": "P", "side": "LEFT"}
        for i in range(3)
    ]
    probabilities = np.array([[0.9, 0.1], [0.4, 0.6], [0.8, 0.2]])
    table = aggregate_predictions(make_records(rows, classes=["Neg", "Pos"]), probabilities)
    np.testing.assert_allclose(table[["Neg", "Pos"]], [[0.4, 0.6]])


def test_level_report_counts_units_and_patients(two_patients):
    records, probabilities = two_patients
    breast = level_report(records, probabilities, "breast", "mean", n_bootstrap=50)
    assert breast["level"] == "breast" and breast["n"] == 4 and breast["n_groups"] == 2
    assert breast["accuracy"] == 1.0  # every breast's mean argmax is its label
    image = level_report(records, probabilities, "image", n_bootstrap=0)
    assert image["n"] == 8 and image["accuracy"] == 6 / 8  # LEFT MLO and RIGHT MLO of P2 miss


def test_breast_level_needs_sides(two_patients):
    records, probabilities = two_patients
    records.loc[3, "side"] = ""
    with pytest.raises(MammokitError, match="1 image.s. have none"):
        aggregate_predictions(records, probabilities, "breast")
    with pytest.raises(MammokitError, match=r"\(8, 3\)"):
        aggregate_predictions(records, probabilities[:5], "patient")


def test_patient_resampling_is_the_bootstrap_of_patients():
    """Four identical images per patient: resampling patients gives exactly the intervals of
    the one-image-per-patient data; resampling images pretends to 4x the evidence."""
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, 40)
    probabilities = rng.dirichlet(np.ones(3), 40)
    single = metrics.evaluation_report(truth, probabilities, CLASSES, n_bootstrap=300, seed=5)
    repeated = np.repeat(truth, 4), np.repeat(probabilities, 4, axis=0)
    patients = np.repeat(np.arange(40), 4)
    grouped = metrics.evaluation_report(*repeated, CLASSES, 300, 5, groups=patients)
    naive = metrics.evaluation_report(*repeated, CLASSES, 300, 5)
    assert grouped["accuracy_ci"] == pytest.approx(single["accuracy_ci"])
    assert grouped["per_class"]["Cancer"]["auc_ci"] == pytest.approx(
        single["per_class"]["Cancer"]["auc_ci"]
    )
    width = lambda ci: ci[1] - ci[0]  # noqa: E731
    assert width(naive["accuracy_ci"]) < 0.7 * width(grouped["accuracy_ci"])


def test_chunked_resampling_equals_one_block(monkeypatch):
    rng = np.random.default_rng(2)
    truth = rng.integers(0, 3, 200)
    probabilities = np.round(rng.dirichlet(np.ones(3), 200), 1)  # many tied scores
    probabilities[:, 0] = 1 - probabilities[:, 1:].sum(axis=1).clip(max=1)  # rows sum to 1
    probabilities[:, 1] = 1 - probabilities[:, [0, 2]].sum(axis=1)
    whole = metrics.evaluation_report(truth, probabilities, CLASSES, n_bootstrap=100, seed=1)
    monkeypatch.setattr("mammokit.metrics.bootstrap._CHUNK_CELLS", 7 * 200)
    chunked = metrics.evaluation_report(truth, probabilities, CLASSES, n_bootstrap=100, seed=1)
    assert chunked == whole


def test_weighted_auc_equals_scikit_learn_with_ties():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    truth = rng.integers(0, 2, 300)
    scores = np.round(rng.random(300) + 0.3 * truth, 1)
    auc = reports._weighted_auc(truth == 1, scores, np.ones((1, 300)))[0]
    assert auc == pytest.approx(roc_auc_score(truth, scores))
