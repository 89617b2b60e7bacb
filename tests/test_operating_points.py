"""Operating points fixed on validation, screening figures and calibration."""

import json

import keras
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from mammokit.errors import MammokitError
from mammokit.metrics import (
    brier_score,
    cancer_detection_rate,
    choose_operating_point,
    evaluation_report,
    expected_calibration_error,
    level_operating_points,
    partial_auc,
    pf1,
    recall_rate,
    screening_report,
    sensitivity_at_specificity,
    specificity_at_sensitivity,
)

# ten screens by hand: scores of 4 cancers and 6 normals
Y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
S = np.array([0.9, 0.8, 0.4, 0.3, 0.7, 0.35, 0.2, 0.1, 0.1, 0.05])


def test_operating_points_against_hand_counts():
    # sensitivity 0.75 first reached calling 0.4 (0.9, 0.8, 0.4 called; 0.7 a false call);
    # the threshold lies halfway down to the next score, 0.35
    point = choose_operating_point(Y, S, {"sensitivity": 0.75})
    assert point["threshold"] == pytest.approx(0.375) and point["sensitivity"] == 0.75
    assert point["specificity"] == pytest.approx(5 / 6)
    # specificity 1.0: only above the 0.7 normal: 0.8 (two cancers), halfway to 0.7
    point = choose_operating_point(Y, S, {"specificity": 1.0})
    assert point["threshold"] == pytest.approx(0.75) and point["sensitivity"] == 0.5
    # Youden: calling 0.3 gives 4/4 and 4/6 (J 0.667); calling 0.4 gives 3/4 and 5/6 (J 0.583)
    assert choose_operating_point(Y, S, "youden")["threshold"] == pytest.approx(0.25)
    # pF1 of decisions = F1: calling 0.3 calls 6 (4 right): 8/10; calling 0.8 calls 2: 4/6
    point = choose_operating_point(Y, S, "pf1")
    assert point["threshold"] == pytest.approx(0.25) and point["pf1"] == pytest.approx(0.8)
    assert sensitivity_at_specificity(Y, S, 5 / 6) == 0.75
    assert specificity_at_sensitivity(Y, S, 1.0) == pytest.approx(4 / 6)
    assert recall_rate(Y, S, 0.4) == 400.0  # 4 of 10 screens called back
    assert cancer_detection_rate(Y, S, 0.4) == 300.0  # 3 cancers found in 10 screens


def test_pf1_and_calibration_figures_by_hand():
    # pTP = 0.9+0.8+0.4+0.3 = 2.4, pFP = 0.7+0.35+0.2+0.1+0.1+0.05 = 1.5, recall 2.4/4
    precision, recall = 2.4 / 3.9, 0.6
    assert pf1(Y, S) == pytest.approx(2 * precision * recall / (precision + recall))
    assert brier_score([0, 1, 1], [0.5, 1.0, 0.0]) == pytest.approx((0.25 + 0 + 1) / 3)
    # two bins: [0.1, 0.2] with no positive, [0.8, 0.9] with one of two
    ece = expected_calibration_error([0, 0, 1, 0], [0.1, 0.2, 0.9, 0.8], n_bins=2)
    assert ece == pytest.approx(0.5 * 0.15 + 0.5 * abs(0.85 - 0.5))


@pytest.mark.parametrize("max_fpr", [0.05, 0.1, 0.3, 1.0])
def test_partial_auc_and_rates_agree_with_scikit_learn_on_random_scores(max_fpr):
    rng = np.random.default_rng(int(max_fpr * 100))
    for _ in range(20):
        y = rng.integers(0, 2, 40)
        scores = np.round(rng.random(40), 1)  # many ties
        if y.all() or not y.any():
            continue
        assert partial_auc(y, scores, max_fpr) == pytest.approx(
            roc_auc_score(y, scores, max_fpr=max_fpr)
        )
        report = screening_report(y, scores, 0.5, n_bootstrap=0, max_fpr=max_fpr)
        assert report["partial_auc"]["value"] == pytest.approx(
            roc_auc_score(y, scores, max_fpr=max_fpr), abs=1e-4
        )
        called = scores >= 0.5
        assert report["sensitivity_at_threshold"]["value"] == pytest.approx(
            called[y == 1].mean(), abs=1e-4
        )
        assert report["specificity_at_threshold"]["value"] == pytest.approx(
            (~called[y == 0]).mean(), abs=1e-4
        )
        for spec in (0.5, 0.8, 0.95):  # the vectorised figure equals the function
            assert report["sensitivity_at_specificity"]["value"] is not None
            assert screening_report(y, scores, n_bootstrap=0, specificity=spec)[
                "sensitivity_at_specificity"
            ]["value"] == pytest.approx(sensitivity_at_specificity(y, scores, spec), abs=1e-4)


def test_screening_intervals_resample_patients_and_cover_the_value():
    rng = np.random.default_rng(0)
    y = np.repeat(rng.integers(0, 2, 60), 4)  # 60 patients, 4 images each
    scores = np.clip(y * 0.3 + rng.random(240) * 0.7, 0, 1)
    patients = np.repeat(np.arange(60), 4)
    report = screening_report(y, scores, 0.5, patients, n_bootstrap=200)
    for key in ("partial_auc", "pf1", "sensitivity_at_specificity", "recall_rate_per_1000"):
        low, high = report[key]["ci"]
        assert low <= report[key]["value"] <= high and low < high
    few = screening_report(y[:20], scores[:20], 0.5, patients[:20], n_bootstrap=200)
    assert few["pf1"]["ci"] is None  # 5 patients: no interval


def test_saturated_validation_scores_give_a_threshold_test_scores_can_meet():
    # a model sure of its validation cancers: probabilities that round to exactly 1.0
    point = choose_operating_point(
        [1, 1, 1, 0, 0], [1.0, 1.0, 1.0, 2e-4, 1e-6], {"sensitivity": 0.9}
    )
    assert point["sensitivity"] == 1.0 and 0.4 < point["threshold"] < 0.6
    assert point["threshold"] < 0.9999  # a test cancer at 0.9999 is still called
    # most cancers saturated, a few lower, every normal far below: the threshold goes into the
    # gap (sensitivity 1.0 at the same specificity), not among the saturated cancers
    cancers = [1.0] * 18 + [0.9999999, 0.98]
    point = choose_operating_point([1] * 20 + [0] * 20, cancers + [1e-3] * 20, {"sensitivity": 0.9})
    assert point["sensitivity"] == 1.0 and point["specificity"] == 1.0
    assert 0.4 < point["threshold"] < 0.6


def test_targets_are_checked():
    for bad in ({"sensitivity": 1.5}, {"recall": 0.9}, "best", {"a": 1, "b": 2}):
        with pytest.raises(MammokitError):
            choose_operating_point(Y, S, bad)
    with pytest.raises(MammokitError, match="no positive"):
        choose_operating_point(np.zeros(4), S[:4], "youden")


def test_reports_measure_a_fixed_threshold_and_label_the_one_chosen_on_themselves():
    prob = np.stack([1 - S, S], axis=1)
    on_itself = evaluation_report(Y, prob, ["Normal", "Cancer"], n_bootstrap=0)
    assert on_itself["operating_point"]["source"] == "this set (at target)"
    assert on_itself["operating_point"] == on_itself["at_target_on_this_set"]
    chosen = {"class": "Cancer", "threshold": 0.8, "source": "validation", "level": "image"}
    fixed = evaluation_report(Y, prob, ["Normal", "Cancer"], n_bootstrap=0, operating_point=chosen)
    point = fixed["operating_point"]
    assert point["source"] == "validation" and point["threshold"] == 0.8
    assert point["sensitivity"] == 0.5 and point["specificity"] == 1.0  # measured, not met
    assert fixed["at_target_on_this_set"]["sensitivity"] >= 0.9  # met by construction


def test_breast_thresholds_differ_from_image_ones():
    from mammokit.records import make_records

    rows, cancer = [], []
    rng = np.random.default_rng(1)
    for p in range(20):
        for side in ("LEFT", "RIGHT"):
            sick = p % 3 == 0 and side == "LEFT"
            for view in ("CC", "MLO"):
                rows.append(
                    {
                        "image_path": f"/{p}{side}{view}.png",
                        "label": "Cancer" if sick else "Normal",
                        "patient_id": str(p),
                        "side": side,
                        "view": view,
                    }
                )
                cancer.append(np.clip(0.5 * sick + rng.random() * 0.6, 0, 1))
    records = make_records(rows, classes=["Normal", "Cancer"])
    probabilities = np.stack([1 - np.array(cancer), cancer], axis=1)
    points = level_operating_points(records, probabilities, {"sensitivity": 1.0}, "max")
    assert set(points) == {"image", "breast", "patient"}
    assert points["breast"]["threshold"] != points["image"]["threshold"]
    assert all(p["source"] == "validation" and p["class"] == "Cancer" for p in points.values())


def test_temperature_scaling_lowers_the_error_of_an_overconfident_model(tmp_path):
    from mammokit.calibration import with_temperature
    from mammokit.metrics import apply_temperature, fit_temperature
    from mammokit.models import load_model

    rng = np.random.default_rng(0)
    features = rng.normal(size=(400, 4)).astype("float32")
    truth = (features[:, 0] + rng.normal(scale=1.0, size=400) > 0).astype(int)
    inputs = keras.Input((4,))
    logits = keras.layers.Dense(2, use_bias=False)(inputs)
    model = keras.Model(inputs, keras.layers.Softmax()(logits))
    model.layers[1].set_weights([np.array([[-8.0, 8.0], [0, 0], [0, 0], [0, 0]], "float32")])
    before = model.predict(features, verbose=0)  # about right, and far too sure
    temperature = fit_temperature(before, truth)
    assert temperature > 2
    from mammokit.models import as_classifier

    calibrated = with_temperature(as_classifier(model), temperature)
    after = calibrated.predict(features, verbose=0)
    np.testing.assert_allclose(after, apply_temperature(before, temperature), atol=1e-5)
    assert (after.argmax(1) == before.argmax(1)).all()  # no decision changes
    ece_before = expected_calibration_error(truth, before[:, 1])
    ece_after = expected_calibration_error(truth, after[:, 1])
    assert ece_after < ece_before / 2
    assert brier_score(truth, after[:, 1]) < brier_score(truth, before[:, 1])
    calibrated.save(tmp_path / "calibrated.keras")
    loaded = load_model(tmp_path / "calibrated.keras")  # safe mode: a registered layer
    assert loaded.info.temperature == pytest.approx(temperature)
    np.testing.assert_allclose(loaded.predict(features, verbose=0), after, atol=1e-6)


@pytest.fixture(scope="module")
def decided_run(tmp_path_factory):
    """A tiny training run: calibrated and with operating points chosen on validation."""
    from mammokit.datasets import make_synthetic, read_mini_ddsm, split_by_patient
    from mammokit.datasets.tasks import apply_task
    from mammokit.experiment import TrainConfig, train_model

    folder = tmp_path_factory.mktemp("decided")
    records = read_mini_ddsm(make_synthetic(folder, n_patients=16, image_size=(64, 48), seed=2))
    records = apply_task(records, "cancer-vs-rest")
    train, val, test = split_by_patient(records, 0.25, 0.25, seed=0)
    config = TrainConfig(image_size=(32, 32), batch_size=8, epochs=2, verbose=0, augment=False)
    entry = train_model("cnn", train, val, test, folder, config=config, filters=(4,))
    return folder, entry, test


def test_train_model_records_validation_points_and_reports_test_figures_at_them(decided_run):
    folder, _, _ = decided_run
    from mammokit.models import load_model

    model = load_model(folder / "cnn.keras")
    points = model.info.operating_points
    assert model.info.temperature is not None and set(points) == {"image", "breast", "patient"}
    assert model.info.operating_point == points["image"]
    assert points["image"]["source"] == "validation"
    assert points["image"]["target"] == {"sensitivity": 0.9}
    report = json.loads((folder / "cnn_report.json").read_text())
    for level, result in report["levels"].items():
        assert result["operating_point"]["threshold"] == points[level]["threshold"]
        assert result["operating_point"]["source"] == "validation"
        assert result["operating_point"]["chosen_on"]["n"] == points[level]["n"]
        assert "before" in result["calibration"]
    assert (folder / "cnn_reliability.png").stat().st_size > 1000


def test_the_operating_point_travels_through_tflite_to_the_decision(decided_run, tmp_path):
    from mammokit.export import Predictor, to_tflite
    from mammokit.models import load_model

    folder, _, test = decided_run
    model = load_model(folder / "cnn.keras")
    point = model.info.operating_points["image"]
    tflite = to_tflite(model, tmp_path / "cnn.tflite")
    for path in (folder / "cnn.keras", tflite):
        predictor = Predictor(path)
        assert predictor.info.operating_points == model.info.operating_points
        table = predictor.predict_records(test)
        expected = np.where(table["Cancer"] >= point["threshold"], "Cancer", "NoCancer")
        assert table["decision"].tolist() == expected.tolist()
        assert table["operating_point"].iloc[0].startswith("sensitivity 0.90 per image")
        breasts = predictor.predict_breasts(test)
        breast_point = model.info.operating_points["breast"]
        expected = np.where(breasts["Cancer"] >= breast_point["threshold"], "Cancer", "NoCancer")
        assert breasts["decision"].tolist() == expected.tolist()
    keras_out = Predictor(folder / "cnn.keras").predict_records(test)
    tflite_out = Predictor(tflite).predict_records(test)
    np.testing.assert_allclose(keras_out["Cancer"], tflite_out["Cancer"], atol=1e-5)


def test_a_calibrated_model_gets_the_same_grad_cam(decided_run):
    from mammokit.calibration import with_temperature
    from mammokit.explain import grad_cam
    from mammokit.models import load_model

    folder, _, _ = decided_run
    calibrated = load_model(folder / "cnn.keras")
    hotter = with_temperature(calibrated, 3.0)  # another temperature: the same logits' map
    images = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(
        grad_cam(calibrated, images, class_index=1),
        grad_cam(hotter, images, class_index=1),
        atol=1e-5,
    )
