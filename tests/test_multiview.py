"""Multi-view models: building, training, saving, exporting, explaining, predicting."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mammokit.cli import main
from mammokit.datasets import to_tf_dataset
from mammokit.errors import MammokitError, ModelConfigError
from mammokit.explain import explanation_figure, grad_cam
from mammokit.export import Predictor, to_onnx, to_tflite
from mammokit.metrics.levels import aggregate_predictions
from mammokit.models import (
    cnn_classifier,
    create_classifier,
    load_model,
    multiview_classifier,
    view_feature_layers,
)
from mammokit.registry import model_entry
from mammokit.training import compile_classifier, fit

SIZE = (32, 32, 1)


def _model(fusion="concat", shared=True, **options):
    return multiview_classifier(
        "cnn", input_shape=SIZE, weights=None, filters=(4, 8), fusion=fusion, shared=shared,
        **options,
    )  # fmt: skip


def _views(count=3, seed=0):
    rng = np.random.default_rng(seed)
    return {name: rng.uniform(0, 255, (count, *SIZE)).astype("float32") for name in ("cc", "mlo")}


@pytest.mark.parametrize("fusion", ["concat", "mean", "attention"])
@pytest.mark.parametrize("shared", [True, False])
def test_builder_shares_or_splits_the_encoder_and_survives_safe_mode(fusion, shared, tmp_path):
    model = _model(fusion, shared)
    encoders = sorted(layer.name for layer in model.layers if layer.name.endswith("encoder"))
    assert encoders == (["encoder"] if shared else ["cc_encoder", "mlo_encoder"])
    assert sorted(model.input) == ["cc", "mlo"] and model.output_shape == (None, 3)
    assert view_feature_layers(model) == {"CC": "cc_features", "MLO": "mlo_features"}
    assert model.get_layer("cc_features").output.shape == (None, 16, 16, 8)
    views = _views()
    expected = model.predict(views, verbose=0)
    np.testing.assert_allclose(expected.sum(axis=1), 1.0, rtol=1e-5)
    model.save(tmp_path / "model.keras")
    loaded = load_model(tmp_path / "model.keras")  # safe mode
    assert loaded.info.views == ("CC", "MLO")
    np.testing.assert_allclose(loaded.predict(views, verbose=0), expected, atol=1e-6)


def test_unshared_encoders_hold_twice_the_weights():
    shared, split = _model(shared=True), _model(shared=False)
    encoder = shared.get_layer("encoder").count_params()
    assert split.count_params() - shared.count_params() == encoder


@pytest.mark.parametrize("fusion", ["mean", "attention"])
def test_a_missing_view_is_left_out_of_the_fusion(fusion):
    model = _model(fusion)
    views = _views(2)
    only_cc = {"cc": views["cc"], "mlo": np.zeros_like(views["mlo"])}
    cc_twice = {"cc": views["cc"], "mlo": views["cc"]}
    # a breast read from its CC alone = the same CC seen as both views
    np.testing.assert_allclose(
        model.predict(only_cc, verbose=0), model.predict(cc_twice, verbose=0), atol=1e-5
    )


def test_concat_zeroes_the_missing_views_features():
    import keras

    model = _model("concat")
    fused = keras.Model(model.input, model.get_layer("fusion").output)
    views = _views(2)
    features = fused({"cc": views["cc"], "mlo": np.zeros_like(views["mlo"])}).numpy()
    width = features.shape[1] // 2
    assert np.abs(features[:, width:]).max() == 0.0 and np.abs(features[:, :width]).max() > 0


def test_builder_rejects_bad_arguments():
    with pytest.raises(ModelConfigError, match="fusion"):
        _model("sum")
    with pytest.raises(ModelConfigError, match="single-image"):
        multiview_classifier("multiview_cnn", input_shape=SIZE, weights=None)
    with pytest.raises(ModelConfigError, match="mix"):
        _model(views=("CC", "L-MLO"))


def test_exam_variant_reads_four_views():
    model = _model(views=("L-CC", "L-MLO", "R-CC", "R-MLO"), fusion="attention")
    assert sorted(model.input) == ["l_cc", "l_mlo", "r_cc", "r_mlo"]
    assert model.info.level == "exam"


def test_registry_builds_multiview_models_by_either_spelling():
    assert model_entry("multiview-mobilenet").name == "multiview_mobilenet"
    model = create_classifier(
        "multiview-cnn", input_shape=SIZE, filters=(4,), views=("CC", "MLO"), fusion="mean"
    )
    assert model.name == "multiview_cnn" and model.info.views == ("CC", "MLO")
    mobile = create_classifier(
        "multiview_mobilenet", input_shape=(64, 64, 1), weights=None, alpha=0.25, shared=False
    )
    assert mobile.get_layer("mlo_features").output.shape[-1] == 256


def test_one_epoch_on_breasts_with_a_missing_view_records_the_views(records):
    part = records.drop(index=records.index[records["view"] == "MLO"][:2])
    data = to_tf_dataset(part, SIZE[:2], batch_size=4, channels=1, group="breast")
    assert (data.mammokit_groups["n_views"] == 1).sum() == 2
    model = compile_classifier(_model("attention"))
    history = fit(model, data, data, epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1 and np.isfinite(history.history["loss"][0])
    assert model.info.views == ("CC", "MLO") and model.info.level == "breast"
    images = to_tf_dataset(part, SIZE[:2], batch_size=4, channels=1)
    with pytest.raises(ModelConfigError, match="views"):
        fit(compile_classifier(_model()), images, epochs=1, verbose=0)


def test_tflite_and_onnx_take_named_views_and_match_keras(records, tmp_path):
    model = _model("attention")
    model.save(tmp_path / "model.keras")
    expected = Predictor(tmp_path / "model.keras").predict_breasts(records)
    assert len(expected) == 2 * records["patient_id"].nunique()
    exported = [
        to_tflite(model, tmp_path / "model.tflite"),
        to_onnx(model, tmp_path / "model.onnx"),
    ]
    classes = list(model.class_names)
    for path in exported:
        config = json.loads((tmp_path / f"{path.name}.mammokit.json").read_text())
        assert config["inputs"] == ["cc", "mlo"] and config["views"] == ["CC", "MLO"]
        served = Predictor(path).predict_breasts(records)
        np.testing.assert_allclose(served[classes], expected[classes], atol=1e-5)
        assert served["predicted"].tolist() == expected["predicted"].tolist()
    with pytest.raises(MammokitError, match="predict_breasts"):
        Predictor(exported[0]).predict_files([records["image_path"].iloc[0]])


def test_int8_export_calibrates_on_breasts(records, tmp_path):
    model = _model()
    path = to_tflite(model, tmp_path / "model.int8.tflite", "int8", representative_data=records)
    table = Predictor(path).predict_breasts(records)
    classes = list(model.class_names)
    np.testing.assert_allclose(table[classes].sum(axis=1), 1.0, atol=0.02)


def test_predict_breasts_of_a_single_image_model_aggregates_its_images(records, tmp_path):
    path = tmp_path / "cnn.keras"
    cnn_classifier(input_shape=SIZE, filters=(4,)).save(path)
    predictor = Predictor(path)
    table = predictor.predict_breasts(records, how="max")
    images = predictor.predict_records(records)
    expected = aggregate_predictions(records, images[predictor.class_names].to_numpy(), "breast")
    np.testing.assert_allclose(table[predictor.class_names], expected[predictor.class_names])
    assert list(table.columns[:5]) == ["patient_id", "side", "n_images", "label", "predicted"]
    unlabelled = records.assign(label="Unlabelled")
    assert "label" not in predictor.predict_breasts(unlabelled).columns


@pytest.mark.parametrize("method", ["gradcam", "gradcam++"])
def test_grad_cam_gives_a_map_per_view(method):
    model = _model("mean")
    views = _views(2)
    views["mlo"][1] = 0.0  # the second breast has no MLO
    heatmaps = grad_cam(model, {"CC": views["cc"], "mlo": views["mlo"]}, method=method)
    assert sorted(heatmaps) == ["cc", "mlo"]
    for heatmap in heatmaps.values():
        assert heatmap.shape == (2, 32, 32) and heatmap.min() >= 0.0 and heatmap.max() <= 1.0
    assert heatmaps["mlo"][1].max() == 0.0  # nothing to explain in a missing view
    assert heatmaps["cc"][1].max() > 0.0
    with pytest.raises(MammokitError, match="views"):
        grad_cam(model, {"cc": views["cc"]})


def test_explanation_figure_draws_the_views_side_by_side():
    image = np.zeros((40, 24), np.uint8)
    figure = explanation_figure(
        {"CC": image, "MLO": image}, {"CC": np.eye(8), "MLO": np.eye(8)}, [0.7, 0.3], ["B", "M"]
    )
    titles = [axis.get_title() for axis in figure.axes[:4]]
    assert titles == ["CC", "MLO", "gradcam of B", "gradcam of B"]


def test_evaluating_a_multiview_model_needs_grouped_data(records, tmp_path):
    from mammokit.experiment import evaluate_model

    data = to_tf_dataset(records, SIZE[:2], 4, channels=1)
    with pytest.raises(MammokitError, match="group='breast'"):
        evaluate_model(_model(), records, data, tmp_path)


def test_cli_trains_explains_and_predicts_a_two_view_model(synthetic_root, tmp_path, capsys):
    out = tmp_path / "run"
    status = main(
        ["train", str(synthetic_root), "--model", "multiview-cnn", "--image-size", "32",
         "--epochs", "1", "--batch-size", "4", "--fusion", "mean", "--labels", "breast",
         "--out", str(out), "--weights", "none"]
    )  # fmt: skip
    assert status == 0
    assert "test accuracy per breast" in capsys.readouterr().out
    model = out / "multiview_cnn.keras"
    report = json.loads((out / "multiview_cnn_report.json").read_text())
    assert report["level"] == "breast" and set(report["levels"]) == {"breast", "patient"}
    assert set(report["predictions"][0]["views"]) == {"CC", "MLO"}

    folder = next(synthetic_root.glob("MINI-DDSM-Complete-JPEG-8/Cancer/*"))
    mlo, cc = sorted(folder.glob("*LEFT_MLO.jpg"))[0], sorted(folder.glob("*LEFT_CC.jpg"))[0]
    assert main(["explain", str(model), str(mlo), str(cc), "--out", str(tmp_path / "x")]) == 0
    rows = (tmp_path / "x" / "predictions.csv").read_text().splitlines()
    assert rows[0].startswith("CC_path,MLO_path,predicted") and rows[1].startswith(str(cc))
    assert len(list((tmp_path / "x").glob("*_breast_gradcam.png"))) == 1
    assert main(["explain", str(model), str(cc)]) == 2  # one view of two

    target = tmp_path / "breasts.csv"
    assert main(["predict", str(model), str(out / "test.csv"), "--csv", str(target)]) == 0
    header = target.read_text().splitlines()[0]
    columns = "patient_id,side,n_views,missing_views,label,predicted,decision,operating_point,p_"
    assert header.startswith(columns)
    assert main(["predict", str(model), str(cc)]) == 2


def test_unfreeze_reaches_into_the_shared_encoder():
    from mammokit.models import unfreeze

    model = multiview_classifier(
        "mobilenet", input_shape=(64, 64, 1), weights=None, alpha=0.25, fusion="attention"
    )
    for layer in model.get_layer("encoder").layers:
        layer.trainable = False
    before = len(model.trainable_weights)
    unfreeze(model, 4)  # predictions, fusion, conv_pw_13_bn (stays frozen), conv_pw_13
    encoder = model.get_layer("encoder")
    assert [layer.name for layer in encoder.layers if layer.trainable and layer.weights] == [
        "conv_pw_13"
    ]
    assert not encoder.get_layer("conv_pw_13_bn").trainable  # batch norm stays frozen
    assert len(model.trainable_weights) == before + 1
