"""Evaluation numbers that cannot mislead: undefined rates, bad probabilities, tiny samples."""

import numpy as np
import pytest

from mammokit.errors import MammokitError
from mammokit.metrics import evaluation_report

NAMES = ["Normal", "Benign", "Cancer"]


def _probabilities(n, seed=0):
    return np.random.default_rng(seed).dirichlet(np.ones(3), n)


def test_a_class_absent_from_the_truth_is_undefined_not_zero():
    report = evaluation_report(np.zeros(40, int), _probabilities(40), NAMES, n_bootstrap=50)
    for name in ("Benign", "Cancer"):
        entry = report["per_class"][name]
        assert entry["sensitivity"] is None and entry["sensitivity_ci"] is None
        assert entry["auc"] is None and "no example of this class" in entry["note"]
    normal = report["per_class"]["Normal"]
    assert normal["specificity"] is None and "every example" in normal["note"]
    assert report["macro"]["sensitivity"] == normal["sensitivity"]  # not averaged with zeros


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p - 0.5, "logits\\? apply a softmax"),
        (lambda p: p * 0.8, "rows must sum to 1"),
        (lambda p: np.where(p > 0.9, np.nan, p), "NaN"),
    ],
)
def test_probabilities_are_checked(change, message):
    probabilities = _probabilities(30)
    probabilities[0] = [0.95, 0.03, 0.02]
    with pytest.raises(MammokitError, match=message):
        evaluation_report(np.arange(30) % 3, change(probabilities), NAMES, n_bootstrap=0)


def test_repeated_class_names_are_an_error():
    with pytest.raises(MammokitError, match=r"class names repeat: \['Benign'\]"):
        evaluation_report([0, 1], _probabilities(2), ["Benign", "Benign", "Cancer"])


def test_too_few_units_get_no_interval_and_say_so():
    one = evaluation_report([2], [[0.1, 0.1, 0.8]], NAMES, n_bootstrap=100)
    assert one["accuracy_ci"] is None and "fewer than 10" in one["interval_note"]
    patients = np.repeat(np.arange(5), 8)  # 40 images of 5 patients
    few = evaluation_report(np.arange(40) % 3, _probabilities(40), NAMES, groups=patients)
    assert few["accuracy_ci"] is None and "5 patient(s)" in few["interval_note"]
    enough = evaluation_report(np.arange(40) % 3, _probabilities(40), NAMES, n_bootstrap=100)
    assert enough["accuracy_ci"] is not None and enough["interval_note"] is None
