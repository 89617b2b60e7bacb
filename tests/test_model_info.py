"""Models know what they predict: class names and preprocessing live in the .keras file."""

import json
import warnings
import zipfile

import keras
import numpy as np
import pytest

from mammokit.datasets import to_tf_dataset
from mammokit.datasets.tasks import apply_task
from mammokit.errors import ModelConfigError
from mammokit.export import Predictor, read_serving_config, to_tflite
from mammokit.model_info import ModelInfo
from mammokit.models import (
    Classifier,
    LegacyModelWarning,
    as_classifier,
    cnn_classifier,
    load_model,
    mobilenet_classifier,
)
from mammokit.models import info_of as model_info
from mammokit.training import compile_classifier, fit


def test_builders_record_class_names():
    model = cnn_classifier(input_shape=(16, 16, 1), filters=(4,), class_names=["Neg", "Pos"])
    assert isinstance(model, Classifier) and model.output_shape == (None, 2)
    assert model.class_names == ("Neg", "Pos")
    assert cnn_classifier(input_shape=(16, 16, 1), filters=(4,)).class_names == (
        "Normal",
        "Benign",
        "Cancer",
    )
    mobile = mobilenet_classifier(5, (32, 32, 3), weights=None, alpha=0.25)
    assert mobile.class_names == tuple(f"class_{i}" for i in range(5))
    with pytest.raises(ModelConfigError, match="2 class_names for num_classes=3"):
        cnn_classifier(3, (16, 16, 1), filters=(4,), class_names=["a", "b"])
    with pytest.raises(ModelConfigError, match="3 class names"):
        model.info = ModelInfo(("a", "b", "c"))


def test_info_survives_save_and_safe_load(tmp_path):
    model = cnn_classifier(input_shape=(16, 16, 1), filters=(4,), class_names=["B", "M"])
    model.info = model.info.replace(preprocess="none", intensity=(1.0, 99.0), task="t")
    model.save(tmp_path / "m.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "m.keras").read("config.json"))
    assert config["config"]["mammokit"]["class_names"] == ["B", "M"]
    loaded = load_model(tmp_path / "m.keras")  # safe mode
    assert loaded.info == ModelInfo(("B", "M"), "none", (1.0, 99.0), "t")
    assert keras.saving.load_model(tmp_path / "m.keras").class_names == ("B", "M")


def test_fit_records_what_the_data_says(records):
    data = to_tf_dataset(apply_task(records, "cancer-vs-rest"), (16, 16), 8, channels=1)
    model = compile_classifier(cnn_classifier(2, (16, 16, 1), filters=(4,)))
    fit(model, data, epochs=1, verbose=0)
    assert model.class_names == ("NoCancer", "Cancer") and model.info.task == "cancer-vs-rest"
    three = compile_classifier(cnn_classifier(input_shape=(16, 16, 1), filters=(4,)))
    with pytest.raises(ModelConfigError, match="3 outputs but the data has 2 classes"):
        fit(three, data, epochs=1, verbose=0)


def _plain_model():
    inputs = keras.Input((16, 16, 1), name="image")
    x = keras.layers.GlobalAveragePooling2D()(keras.layers.Rescaling(1 / 255)(inputs))
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))


def test_a_model_saved_before_the_info_loads_with_a_warning(tmp_path):
    _plain_model().save(tmp_path / "old.keras")
    old = load_model(tmp_path / "old.keras")
    with pytest.warns(LegacyModelWarning, match=r"assuming classes \['Normal', 'Benign', 'Cancer'"):
        info = model_info(old)
    assert info.preprocess == "standard" and info.intensity == "bits"
    with pytest.warns(LegacyModelWarning):
        predictor = Predictor(tmp_path / "old.keras")
    assert predictor.class_names == ["Normal", "Benign", "Cancer"]
    wrapped = as_classifier(old, ModelInfo(("a", "b", "c")))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model_info(wrapped).class_names == ("a", "b", "c")
    np.testing.assert_allclose(
        wrapped.predict(np.ones((1, 16, 16, 1)), verbose=0),
        old.predict(np.ones((1, 16, 16, 1)), verbose=0),
    )


def test_exports_write_the_models_info_never_a_guess(tmp_path):
    model = cnn_classifier(input_shape=(16, 16, 1), filters=(4,), class_names=["x", "y", "z"])
    model.info = model.info.replace(preprocess="none")
    path = to_tflite(model, tmp_path / "m.tflite")
    sidecar = read_serving_config(path)
    assert sidecar["class_names"] == ["x", "y", "z"] and sidecar["preprocess"] == "none"
    assert Predictor(path).info.preprocess == "none"
    (tmp_path / "m.tflite.mammokit.json").unlink()  # the file's own record remains
    alone = Predictor(path)
    assert alone.class_names == ["x", "y", "z"] and alone.info.preprocess == "none"
    import tensorflow as tf

    plain = tmp_path / "plain.tflite"  # converted without mammokit: nothing recorded
    plain.write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    with pytest.warns(LegacyModelWarning, match="no mammokit sidecar"):
        assert Predictor(plain).class_names == ["Normal", "Benign", "Cancer"]


def test_custom_preprocessing_must_be_handed_back(tmp_path, records):
    def trim(image, side):
        return image[2:-2, 2:-2], None

    data = to_tf_dataset(records, (16, 16), 8, channels=1, preprocess=trim)
    assert data.mammokit_info.preprocess.startswith("custom:")
    assert data.mammokit_info.preprocess.endswith("trim")
    model = compile_classifier(cnn_classifier(input_shape=(16, 16, 1), filters=(4,)))
    fit(model, data, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    with pytest.raises(ModelConfigError, match="custom_preprocess"):
        Predictor(tmp_path / "m.keras")
    predictor = Predictor(tmp_path / "m.keras", custom_preprocess=trim)
    assert predictor.predict(records["image_path"].tolist()[:2]).shape == (2, 3)
