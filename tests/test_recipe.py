"""The training recipe: stages of transfer learning, schedules, options recorded, backbones."""

import keras
import numpy as np
import pytest

from mammokit import experiment
from mammokit.datasets import make_synthetic, read_mini_ddsm, split_by_patient
from mammokit.errors import MammokitError
from mammokit.experiment import TrainConfig, train_model
from mammokit.models import mobilenet_classifier
from mammokit.recipe import frozen_layers, mixed_precision, plan_stages
from mammokit.training import compile_classifier, fit, learning_rate_schedule


def _frozen_mobilenet():
    """MobileNet as ImageNet weights build it (backbone frozen), with random weights."""
    model = mobilenet_classifier(input_shape=(32, 32, 3), weights=None, alpha=0.25)
    for layer in model.layers:
        if layer.name not in ("global_pool", "head_dropout", "predictions"):
            layer.trainable = False
    return model


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recipe")
    records = read_mini_ddsm(make_synthetic(folder, n_patients=8, image_size=(64, 48)))
    return split_by_patient(records, 0.25, 0.25, seed=0)


def test_a_frozen_backbone_trains_in_two_stages_and_a_random_one_in_one():
    frozen = _frozen_mobilenet()
    assert "conv1" in frozen_layers(frozen) and "predictions" not in frozen_layers(frozen)
    stages = plan_stages(frozen, 10, 20, learning_rate=1e-3, head_epochs=3, warmup_epochs=1)
    assert [(s.name, s.first_epoch, s.last_epoch) for s in stages] == [
        ("head", 0, 3),
        ("all", 3, 10),
    ]
    assert stages[1].learning_rate == pytest.approx(1e-4)
    assert (stages[0].warmup_steps, stages[0].decay_steps) == (20, 40)
    assert [s.name for s in plan_stages(frozen, 3, 20, head_epochs=3)] == ["head"]
    assert [s.name for s in plan_stages(frozen, 10, 20, fine_tune=False)] == ["head"]
    scratch = mobilenet_classifier(input_shape=(32, 32, 3), weights=None, alpha=0.25)
    assert [s.name for s in plan_stages(scratch, 10, 20)] == ["all"]
    with pytest.raises(MammokitError):
        plan_stages(scratch, 10, 20, fine_tune_factor=0)


def test_the_schedule_warms_up_then_decays_by_a_cosine():
    schedule = learning_rate_schedule(1e-3, decay_steps=100, warmup_steps=10)
    values = [float(schedule(step)) for step in (0, 5, 10, 35, 60, 85, 110)]
    cosine = [1e-3 * (1 + np.cos(np.pi * t / 100)) / 2 for t in (25, 50, 75, 100)]
    np.testing.assert_allclose(values, [0, 5e-4, 1e-3, *cosine], atol=1e-9)
    assert learning_rate_schedule(1e-3) == 1e-3  # no schedule: the constant rate
    model = compile_classifier(
        _frozen_mobilenet(), optimizer="adamw", weight_decay=0.01, warmup_steps=10,
        decay_steps=100, clipnorm=1.0, label_smoothing=0.1,
    )  # fmt: skip
    assert type(model.optimizer).__name__ == "AdamW" and model.optimizer.global_clipnorm == 1.0
    assert model.loss.label_smoothing == 0.1
    with pytest.raises(MammokitError, match="optimizer must be one of"):
        compile_classifier(_frozen_mobilenet(), optimizer="sgd")


def test_label_smoothing_spreads_the_target():
    from mammokit.losses import WeightedCategoricalCrossentropy

    smoothed = WeightedCategoricalCrossentropy([1.0, 1.0], label_smoothing=0.2)
    prob = np.array([[0.7, 0.3]])
    expected = -(0.9 * np.log(0.7) + 0.1 * np.log(0.3))  # targets 0.9 / 0.1
    assert float(smoothed(np.array([[1.0, 0.0]]), prob)) == pytest.approx(expected, rel=1e-5)


def test_each_stage_trains_what_it_should_and_batch_norm_stays_in_inference(
    parts, monkeypatch, tmp_path
):
    train, val, test = parts
    model = _frozen_mobilenet()
    conv = model.get_layer("conv_pw_13")
    norm = model.get_layer("conv_pw_13_bn")
    head = model.get_layer("predictions")
    snapshots = []
    real_fit = experiment.fit

    def recording_fit(*args, **options):
        history = real_fit(*args, **options)
        snapshots.append(
            {
                "conv": conv.get_weights()[0].copy(),
                "head": head.get_weights()[0].copy(),
                "norm": [w.copy() for w in norm.get_weights()],
                "trainable": sorted(w.name for w in model.trainable_weights),
            }
        )
        return history

    monkeypatch.setattr(experiment, "fit", recording_fit)
    before = {"conv": conv.get_weights()[0].copy(), "head": head.get_weights()[0].copy()}
    before["norm"] = [w.copy() for w in norm.get_weights()]
    config = TrainConfig(image_size=(32, 32), batch_size=8, epochs=3, head_epochs=1, patience=9,
                         verbose=0, augment=False, calibrate=False)  # fmt: skip
    train_model(model, train, val, test, tmp_path, config=config)
    head_stage, whole_stage = snapshots
    np.testing.assert_array_equal(head_stage["conv"], before["conv"])  # backbone frozen
    assert not np.array_equal(head_stage["head"], before["head"])  # the head learned
    assert not np.array_equal(whole_stage["conv"], head_stage["conv"])  # then the backbone
    for stage in (head_stage, whole_stage):  # moving statistics and scales untouched
        for kept, start in zip(stage["norm"], before["norm"], strict=True):
            np.testing.assert_array_equal(kept, start)
        assert not any("bn" in name or "gamma" in name for name in stage["trainable"])
    log = (tmp_path / "mobilenet_classifier_history.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in log[1:]] == ["0", "1", "2"]  # one log, both stages


def test_the_recipe_is_recorded_in_the_model(parts, tmp_path):
    from mammokit.models import load_model

    train, val, test = parts
    config = TrainConfig(image_size=(32, 32), batch_size=8, epochs=2, verbose=0, augment=False,
                         label_smoothing=0.1, start_from_epoch=1)  # fmt: skip
    train_model("cnn", train, val, test, tmp_path, config=config, filters=(4,))
    recipe = load_model(tmp_path / "cnn.keras").info.training
    assert recipe["optimizer"] == "adamw" and recipe["weight_decay"] == 0.01
    assert recipe["start_from_epoch"] == 1
    assert recipe["label_smoothing"] == 0.1 and recipe["image_size"] == [32, 32]
    assert recipe["stages"] == [{"name": "all", "epochs": [0, 2], "learning_rate": 0.001}]
    assert recipe["mixed_precision"] == "float32"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["efficientnet_v2_b0", "convnext_tiny"])
def test_the_new_backbones_train_end_to_end(name, parts, tmp_path):
    """``train_model`` with the recipe: trained, calibrated, saved with its recipe, reloaded in
    safe mode (graph building of these backbones is most of the minute each takes)."""
    from mammokit.models import load_model

    train, val, test = parts
    config = TrainConfig(image_size=(32, 32), batch_size=8, epochs=1, verbose=0, augment=False)
    entry = train_model(name, train, val, test, tmp_path, config=config, weights=None)
    assert entry["epochs"] == 1
    model = load_model(tmp_path / f"{name}.keras")
    assert model.info.training["optimizer"] == "adamw"
    assert 0.0 <= entry["accuracy"] <= 1.0


@pytest.mark.parametrize("name", ["efficientnet_v2_b0", "convnext_tiny"])
def test_the_new_backbones_scale_raw_pixels_inside(name, tmp_path):
    """Built from the registry and fed raw 0..255 gray images; a missing weights file is a
    clear error."""
    from mammokit.models import backbone_classifier, create_classifier
    from mammokit.models.weights import WeightsError

    model = create_classifier(name, input_shape=(32, 32, 1), weights=None, class_names=["a", "b"])
    raw = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 1)).astype("float32")
    probabilities = model.predict(raw, verbose=0)
    assert np.isfinite(probabilities).all() and np.allclose(probabilities.sum(axis=1), 1.0)
    missing = tmp_path / "no_such_weights_no_top.h5"
    with pytest.raises((WeightsError, MammokitError)):
        backbone_classifier(name, input_shape=(32, 32, 3), weights=str(missing))


def test_mixed_precision_computes_in_float16_and_answers_in_float32():
    with mixed_precision("on") as policy:
        model = mobilenet_classifier(input_shape=(32, 32, 3), weights=None, alpha=0.25)
    assert policy == "mixed_float16" and keras.config.dtype_policy().name == "float32"
    assert model.get_layer("conv1").compute_dtype == "float16"
    assert model.output.dtype == "float32"
    compile_classifier(model, optimizer="adamw", weight_decay=0.01)
    assert "LossScale" in type(model.optimizer).__name__
    images = np.zeros((2, 32, 32, 3), "float32")
    history = fit(model, _batches(images), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def _batches(images):
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((images, np.eye(3)[[0, 1]])).batch(2)
