import csv

import keras
import numpy as np
import pytest
import tensorflow as tf

from mammokit.cli import main
from mammokit.datasets import to_tf_dataset
from mammokit.errors import MammokitError
from mammokit.export import Predictor, read_serving_config, to_onnx, to_saved_model, to_tflite
from mammokit.models import cnn_classifier

SHAPE = (32, 32, 3)


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return cnn_classifier(input_shape=SHAPE, filters=(32, 64, 128), dense_units=512)


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).uniform(0, 255, (6, *SHAPE)).astype("float32")


@pytest.fixture(scope="module")
def exported(model, tmp_path_factory, images):
    folder = tmp_path_factory.mktemp("export")
    model.save(folder / "model.keras")
    return {
        "keras": folder / "model.keras",
        "tflite": to_tflite(model, folder / "model.tflite"),
        "float16": to_tflite(model, folder / "model.f16.tflite", quantize="float16"),
        "int8": to_tflite(model, folder / "model.int8.tflite", "int8", representative_data=images),
        "onnx": to_onnx(model, folder / "model.onnx"),
        "saved": to_saved_model(model, folder / "served"),
    }


@pytest.mark.parametrize("kind", ["keras", "tflite", "onnx"])
def test_float_exports_match_keras(kind, exported, model, images):
    expected = model.predict(images, verbose=0)
    predictor = Predictor(exported[kind])
    np.testing.assert_allclose(predictor.predict(images), expected, atol=1e-3)
    np.testing.assert_allclose(predictor.predict(images[0]), expected[:1], atol=1e-3)
    assert predictor.class_names == ["Normal", "Benign", "Cancer"]


@pytest.mark.parametrize("runtime", ["litert", "tensorflow"])
@pytest.mark.parametrize("kind", ["tflite", "int8"])
def test_tflite_serves_alike_on_litert_and_tensorflow(runtime, kind, exported, model, images):
    pytest.importorskip("ai_edge_litert", reason="LiteRT is in the export extra")
    predictor = Predictor(exported[kind], tflite_runtime=runtime)
    expected = model.predict(images, verbose=0)
    np.testing.assert_allclose(
        predictor.predict(images), expected, atol=1e-3 if kind == "tflite" else 0.1
    )
    other = Predictor(
        exported[kind], tflite_runtime="tensorflow" if runtime == "litert" else "litert"
    )
    np.testing.assert_allclose(predictor.predict(images), other.predict(images), atol=1e-6)
    with pytest.raises(MammokitError, match="runtime must be one of"):
        Predictor(exported[kind], tflite_runtime="tpu")


def test_quantized_files_are_smaller_and_agree(exported, images):
    size = {k: exported[k].stat().st_size for k in ("tflite", "float16", "int8")}
    assert size["tflite"] / size["int8"] > 3.5  # "about 4x smaller"
    assert size["tflite"] / size["float16"] > 1.7
    reference = Predictor(exported["tflite"]).predict(images)
    quantized = Predictor(exported["int8"]).predict(images)
    assert np.abs(quantized - reference).max() < 0.1
    assert read_serving_config(exported["int8"])["quantize"] == "int8"


def test_saved_model_serves(exported, model, images):
    served = tf.saved_model.load(str(exported["saved"]))
    output = served.serve(tf.constant(images))
    np.testing.assert_allclose(np.asarray(output), model.predict(images, verbose=0), atol=1e-5)


def test_predict_files_equals_the_training_pipeline(records, tmp_path):
    keras.utils.set_random_seed(1)
    gray = cnn_classifier(input_shape=(40, 32, 1), filters=(8,))
    gray.save(tmp_path / "gray.keras")
    pipeline = gray.predict(to_tf_dataset(records, (40, 32), 8, channels=1), verbose=0)
    files = Predictor(tmp_path / "gray.keras").predict_files(list(records["image_path"]))
    np.testing.assert_allclose(files, pipeline, atol=1e-5)


def test_bad_requests(model, tmp_path, exported):
    with pytest.raises(MammokitError, match="quantize"):
        to_tflite(model, tmp_path / "x.tflite", quantize="int4")
    with pytest.raises(MammokitError, match="representative_data"):
        to_tflite(model, tmp_path / "x.tflite", quantize="int8")
    with pytest.raises(MammokitError, match="representative_data"):
        to_tflite(model, tmp_path / "x.tflite", "int8", representative_data=np.zeros((2, 8, 8, 3)))
    (tmp_path / "model.pt").write_bytes(b"x")
    with pytest.raises(MammokitError, match="unsupported"):
        Predictor(tmp_path / "model.pt")
    (tmp_path / "junk.tflite").write_bytes(b"not a flatbuffer")
    with pytest.raises(MammokitError, match="junk.tflite"):
        Predictor(tmp_path / "junk.tflite")
    with pytest.raises(MammokitError, match="images must be"):
        Predictor(exported["keras"]).predict(np.zeros((2, 16, 16, 3)))


def test_cli_export_and_predict(exported, synthetic_root, tmp_path, capsys):
    target = tmp_path / "cli.tflite"
    assert main(["export", str(exported["keras"]), "--format", "tflite", "--out", str(target)]) == 0
    assert target.is_file() and read_serving_config(target)["input_size"] == [32, 32]
    folder = synthetic_root / "MINI-DDSM-Complete-JPEG-8" / "Cancer"
    out = tmp_path / "predictions.csv"
    assert main(["predict", str(target), str(folder), "--csv", str(out)]) == 0
    with open(out) as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12  # three Cancer patients, four views, masks left out
    assert all(
        abs(sum(float(r[f"p_{c}"]) for c in ("Normal", "Benign", "Cancer")) - 1) < 1e-4
        for r in rows
    )
    assert main(["export", str(exported["keras"]), "--format", "tflite", "--int8"]) == 2
    assert "--calibration" in capsys.readouterr().err
