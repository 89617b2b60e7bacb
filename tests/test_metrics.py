import json

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, precision_score, recall_score, roc_auc_score

from mammokit.errors import MammokitError
from mammokit.metrics import (
    Sensitivity,
    Specificity,
    evaluation_report,
    plot_confusion_matrix,
    sensitivity_specificity,
)

NAMES = ["Normal", "Benign", "Cancer"]


def _predictions(n=90, seed=0):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n)
    probabilities = rng.dirichlet(np.ones(3), n)
    probabilities[np.arange(n), truth] += rng.uniform(0, 0.6, n)
    return truth, probabilities / probabilities.sum(1, keepdims=True)


def _sklearn_specificity(truth, guess, c):
    return recall_score(truth != c, guess != c)


@pytest.mark.parametrize("class_id", [None, 0, 1, 2])
def test_streaming_metrics_match_sklearn_across_batches(class_id):
    truth, probabilities = _predictions()
    guess = probabilities.argmax(1)
    sensitivity, specificity = Sensitivity(class_id), Specificity(class_id)
    for start in range(0, len(truth), 25):
        batch = slice(start, start + 25)
        for metric in (sensitivity, specificity):
            metric.update_state(np.eye(3)[truth[batch]], probabilities[batch])
    if class_id is None:
        expected_sens = recall_score(truth, guess, average="macro")
        expected_spec = np.mean([_sklearn_specificity(truth, guess, c) for c in range(3)])
    else:
        expected_sens = recall_score(truth == class_id, guess == class_id)
        expected_spec = _sklearn_specificity(truth, guess, class_id)
    assert float(sensitivity.result()) == pytest.approx(expected_sens, abs=1e-6)
    assert float(specificity.result()) == pytest.approx(expected_spec, abs=1e-6)
    sensitivity.reset_state()
    assert float(sensitivity.result()) == 0.0


def test_no_positives_gives_zero_not_nan():
    metric = Sensitivity(class_id=2)
    metric.update_state(np.eye(3)[[0, 1]], np.eye(3)[[0, 1]])
    assert float(metric.result()) == 0.0


def test_metric_rejects_wrong_class_count():
    with pytest.raises(MammokitError, match="num_classes"):
        Sensitivity(num_classes=3).update_state(np.eye(2), np.eye(2))


def test_metric_takes_the_class_count_from_the_predictions():
    sensitivity, specificity = Sensitivity(class_id=1), Specificity()
    assert float(sensitivity.result()) == 0.0  # nothing seen yet
    truth, guess = np.eye(2)[[1, 1, 0, 0]], np.eye(2)[[1, 0, 0, 0]]
    sensitivity.update_state(truth, guess)
    specificity.update_state(truth, guess)
    assert sensitivity.num_classes == specificity.num_classes == 2
    assert float(sensitivity.result()) == 0.5
    assert float(specificity.result()) == pytest.approx((0.5 + 1.0) / 2)  # macro over 2 classes
    five = Sensitivity()
    five.update_state(np.eye(5)[[4, 3]], np.eye(5)[[4, 4]])
    assert five.num_classes == 5 and float(five.result()) == pytest.approx(1 / 5)


def test_numpy_rates_match_sklearn():
    truth, probabilities = _predictions(seed=1)
    result = sensitivity_specificity(truth, probabilities)
    guess = probabilities.argmax(1)
    np.testing.assert_allclose(result["sensitivity"], recall_score(truth, guess, average=None))
    spec = [_sklearn_specificity(truth, guess, c) for c in range(3)]
    np.testing.assert_allclose(result["specificity"], spec)


def test_evaluation_report_values_and_json(tmp_path):
    truth, probabilities = _predictions(seed=2)
    report = evaluation_report(truth, probabilities, NAMES, n_bootstrap=200, seed=0)
    guess = probabilities.argmax(1)
    assert report["accuracy"] == pytest.approx((guess == truth).mean())
    assert report["confusion_matrix"] == confusion_matrix(truth, guess).tolist()
    for c, name in enumerate(NAMES):
        entry = report["per_class"][name]
        assert entry["sensitivity"] == pytest.approx(recall_score(truth == c, guess == c))
        assert entry["precision"] == pytest.approx(precision_score(truth == c, guess == c))
        assert entry["auc"] == pytest.approx(roc_auc_score(truth == c, probabilities[:, c]))
        for key in ("sensitivity", "specificity", "precision", "auc"):
            low, high = entry[f"{key}_ci"]
            assert low <= entry[key] <= high
    point = report["operating_point"]
    assert point["class"] == "Cancer" and point["sensitivity"] >= 0.9
    json.dumps(report)
    same = evaluation_report(truth, probabilities, NAMES, n_bootstrap=200, seed=0)
    assert same == report


def test_evaluation_report_rejects_bad_input():
    truth, probabilities = _predictions()
    with pytest.raises(MammokitError, match="class names"):
        evaluation_report(truth, probabilities, NAMES[:2])
    with pytest.raises(MammokitError, match="examples"):
        evaluation_report(truth[:5], probabilities, NAMES)


def test_confusion_matrix_png(tmp_path):
    import cv2

    path = plot_confusion_matrix([[5, 1, 0], [2, 3, 1], [0, 0, 6]], NAMES, tmp_path / "cm.png")
    image = cv2.imread(str(path))
    assert image is not None and image.shape[0] > 100


def test_metrics_train_under_xla():
    from mammokit.models import cnn_classifier
    from mammokit.training import compile_classifier

    model = compile_classifier(
        cnn_classifier(input_shape=(16, 16, 1), filters=(4,)), jit_compile=True
    )
    truth, _ = _predictions(n=8)
    history = model.fit(np.zeros((8, 16, 16, 1), "float32"), np.eye(3)[truth], epochs=1, verbose=0)
    assert 0.0 <= history.history["sensitivity"][0] <= 1.0
    assert model.jit_compile  # Keras falls back without XLA silently, e.g. under determinism


def test_sample_weights_count_in_the_confusion_matrix():
    metric = Sensitivity(class_id=0)
    metric.update_state(np.eye(3)[[0, 0]], np.eye(3)[[0, 1]], sample_weight=np.array([3.0, 1.0]))
    assert float(metric.result()) == pytest.approx(0.75)


def test_confusion_matrix_figure_without_a_path_for_notebooks():
    figure = plot_confusion_matrix([[5, 1], [0, 4]], ["Neg", "Pos"])
    assert type(figure).__name__ == "Figure"
    labels = [tick.get_text() for tick in figure.axes[0].get_xticklabels()]
    assert labels == ["Neg", "Pos"]


def test_the_bootstrap_is_quiet_when_output_is_not_a_terminal(capsys, monkeypatch):
    import mammokit.progress

    monkeypatch.setattr(mammokit.progress, "DELAY_SECONDS", 0.0)
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, 200)
    evaluation_report(truth, rng.dirichlet(np.ones(3), 200), ["a", "b", "c"], n_bootstrap=50)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_report_table_holds_every_value_and_interval_of_the_report():
    from mammokit.metrics import report_table

    rng = np.random.default_rng(1)
    truth = rng.integers(0, 3, 120)
    report = evaluation_report(truth, rng.dirichlet(np.ones(3), 120), ["a", "b", "c"],
                               n_bootstrap=40)  # fmt: skip
    table = report_table(report)
    assert list(table.index) == ["a", "b", "c", "macro"]
    assert table.loc["b", "sensitivity"] == report["per_class"]["b"]["sensitivity"]
    assert [table.loc["c", "auc_low"], table.loc["c", "auc_high"]] == (
        report["per_class"]["c"]["auc_ci"]
    )
    assert table.loc[["a", "b", "c"], "support"].sum() == 120
    classes = table.loc[["a", "b", "c"]]
    assert (classes["sensitivity_low"] <= classes["sensitivity_high"]).all()
    assert table.loc["macro", ["sensitivity_low", "sensitivity_high"]].isna().all()  # none given
