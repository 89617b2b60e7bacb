import h5py
import keras
import numpy as np
import pytest
from keras.src.legacy.saving import legacy_h5_format

from mammokit.errors import ModelConfigError, WeightsError
from mammokit.models import (
    available_models,
    backbone_classifier,
    cnn_classifier,
    create_classifier,
    mobilenet_classifier,
    unfreeze,
)
from mammokit.registry import model_entry


@pytest.fixture(scope="module")
def tiny_mobilenet():
    return mobilenet_classifier(input_shape=(32, 32, 3), weights=None, alpha=0.25)


def test_mobilenet_is_one_flat_graph(tiny_mobilenet):
    names = [layer.name for layer in tiny_mobilenet.layers]
    assert "conv_pw_13_relu" in names and "predictions" in names
    assert not any(isinstance(layer, keras.Model) for layer in tiny_mobilenet.layers)
    assert tiny_mobilenet.output_shape == (None, 3)


def test_scaling_lives_inside_the_model():
    gray = mobilenet_classifier(input_shape=(32, 32, 1), weights=None, alpha=0.25)
    scaled = keras.Model(gray.input, gray.get_layer("backbone_preprocessing").output)
    out = np.asarray(scaled(np.full((1, 32, 32, 1), 255.0, "float32")))
    assert out.shape == (1, 32, 32, 3)
    np.testing.assert_allclose(out, 1.0)


def test_cnn_outputs_probabilities():
    model = cnn_classifier(input_shape=(32, 32, 1), filters=(4, 8), num_classes=2)
    probabilities = model.predict(
        np.random.default_rng(0).uniform(0, 255, (3, 32, 32, 1)), verbose=0
    )
    assert probabilities.shape == (3, 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("name", available_models())
def test_every_registered_model_builds_flat(name):
    entry = model_entry(name)
    size = max(32, entry.min_size)
    extra = {"alpha": 0.35} if "alpha" in {o.name for o in entry.options} else {}
    model = create_classifier(name, input_shape=(size, size, 1), weights=None, **extra)
    assert model.output_shape == (None, 3)
    nested = [layer.name for layer in model.layers if isinstance(layer, keras.Model)]
    if name.startswith("multiview"):  # one encoder shared by the views; each view's map outside
        assert nested == ["encoder"]
        height, width = model.get_layer("mlo_features").output.shape[1:3]
        assert height > 1 and width > 1  # a spatial map per view, for Grad-CAM
    elif name == "convnext_tiny":  # Keras builds its stem and downsampling as small Sequentials
        assert all(
            n.startswith(("convnext_tiny_stem", "convnext_tiny_downsampling")) for n in nested
        )
        from mammokit.models.features import find_last_conv_layer

        layer = find_last_conv_layer(model)  # Grad-CAM's layer is at the top level
        assert model.get_layer(layer).output.shape[1] >= 1
    else:
        assert nested == []


def test_registry_errors_and_the_deprecated_backbones_table():
    with pytest.raises(ModelConfigError, match="unknown model 'alexnet'.*cnn"):
        create_classifier("alexnet")
    with pytest.raises(ModelConfigError, match="not a backbone"):
        backbone_classifier("cnn", input_shape=(32, 32, 3), weights=None)
    with pytest.deprecated_call():
        from mammokit.models import BACKBONES
    single_image = {name for name in available_models() if not name.startswith("multiview")}
    assert set(BACKBONES) == single_image - {"cnn"}
    assert BACKBONES["vgg19"].preprocessing == "caffe"


def test_imagenet_offline_fails_with_instructions(monkeypatch):
    from keras.src.utils import file_utils

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure on https://example.invalid: None -- no network")

    monkeypatch.setattr(file_utils, "get_file", offline)
    with pytest.raises(WeightsError, match=r"weights='/path/to/"):
        mobilenet_classifier(input_shape=(128, 128, 3), alpha=0.25, weights="imagenet")


def test_local_weights_file_round_trip(tmp_path, tiny_mobilenet):
    path = tmp_path / "tiny.weights.h5"
    tiny_mobilenet.save_weights(path)
    again = mobilenet_classifier(input_shape=(32, 32, 3), weights=str(path), alpha=0.25)
    for left, right in zip(tiny_mobilenet.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(left, right)
    assert not again.get_layer("conv_pw_13").trainable  # loaded weights: base frozen
    assert again.get_layer("predictions").trainable


def test_backbone_only_h5_file(tmp_path):
    base = keras.applications.MobileNet(
        input_shape=(32, 32, 3), alpha=0.25, include_top=False, weights=None
    )
    path = tmp_path / "mobilenet_no_top.h5"
    with h5py.File(path, "w") as file:  # the legacy format keras.applications downloads use
        legacy_h5_format.save_weights_to_hdf5_group(file, base)
    model = mobilenet_classifier(input_shape=(32, 32, 3), weights=str(path), alpha=0.25)
    np.testing.assert_array_equal(
        model.get_layer("conv1").get_weights()[0], base.get_layer("conv1").get_weights()[0]
    )


def test_bad_weights_are_explained(tmp_path):
    with pytest.raises(WeightsError, match="no such file"):
        mobilenet_classifier(input_shape=(32, 32, 3), weights=str(tmp_path / "nope.h5"))
    junk = tmp_path / "junk.weights.h5"
    junk.write_bytes(b"not hdf5")
    with pytest.raises(WeightsError, match="junk.weights.h5"):
        mobilenet_classifier(input_shape=(32, 32, 3), weights=str(junk), alpha=0.25)


def test_unfreeze_keeps_batch_norm_frozen(tmp_path):
    model = cnn_classifier(input_shape=(16, 16, 1), filters=(4, 8))
    for layer in model.layers:
        layer.trainable = False
    unfreeze(model, 4)
    trainable = [layer.name for layer in model.layers if layer.trainable and layer.weights]
    assert trainable == ["conv2", "dense", "predictions"]
    unfreeze(model)
    assert model.get_layer("conv1").trainable and not model.get_layer("conv1_bn").trainable


def test_save_and_load_in_safe_mode(tmp_path, tiny_mobilenet):
    from mammokit.losses import WeightedCategoricalCrossentropy
    from mammokit.metrics import Sensitivity, Specificity

    tiny_mobilenet.compile(
        "adam",
        WeightedCategoricalCrossentropy([1.0, 2.0, 3.0]),
        metrics=[Sensitivity(), Specificity(class_id=2)],
    )
    images = np.random.default_rng(1).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    path = tmp_path / "model.keras"
    tiny_mobilenet.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(
        loaded.predict(images, verbose=0), tiny_mobilenet.predict(images, verbose=0), rtol=1e-5
    )
    assert loaded.loss.class_weights == [1.0, 2.0, 3.0]


def test_load_model_refuses_non_models_and_lambda_layers(tmp_path):
    from mammokit.models import ModelLoadError, load_model

    text = tmp_path / "notes.keras"
    text.write_text("not a zip")
    with pytest.raises(ModelLoadError, match="notes.keras"):
        load_model(text)
    with pytest.raises(ModelLoadError, match="no such model"):
        load_model(tmp_path / "missing.keras")
    inputs = keras.Input((4,))
    risky = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    path = tmp_path / "lambda.keras"
    risky.save(path)
    with pytest.raises(ModelLoadError, match="Lambda"):
        load_model(path)
    assert load_model(path, allow_unsafe=True).output_shape == (None, 4)


def test_a_fresh_process_loads_a_compiled_model(tmp_path):
    import subprocess
    import sys

    from mammokit.training import compile_classifier

    compile_classifier(cnn_classifier(input_shape=(16, 16, 1), filters=(4,)), [1.0, 2.0, 3.0]).save(
        tmp_path / "m.keras"
    )
    code = (
        "import sys, keras, mammokit.models as m; "
        "a = m.load_model(sys.argv[1]); b = keras.saving.load_model(sys.argv[1], safe_mode=True); "
        "print(a.loss.class_weights, type(b.loss).__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "m.keras")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "[1.0, 2.0, 3.0] WeightedCategoricalCrossentropy" in result.stdout


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_keeps_a_float32_softmax(policy):
    keras.mixed_precision.set_global_policy(policy)
    try:
        cnn = cnn_classifier(input_shape=(32, 32, 1), filters=(4,))
        mobile = mobilenet_classifier(input_shape=(32, 32, 3), weights=None, alpha=0.25)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    for model in (cnn, mobile):
        assert model.get_layer("conv1").compute_dtype == policy.split("_")[1]
        outputs = model(np.full((1, 32, 32, model.input_shape[-1]), 100.0, np.float32))
        assert outputs.dtype == "float32"
        assert abs(float(np.sum(outputs)) - 1.0) < 1e-5
