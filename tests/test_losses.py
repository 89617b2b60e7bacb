import keras
import numpy as np
import pytest
import tensorflow as tf

from mammokit.errors import MammokitError
from mammokit.losses import (
    CategoricalFocalLoss,
    WeightedCategoricalCrossentropy,
    class_weights_from_counts,
)

WEIGHTS = [1.0, 2.5, 0.5]


def _random(shape, seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=shape)
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    truth = np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]
    return truth.astype("float32"), probabilities.astype("float32")


def _numpy_loss(y, p, w):
    return float(np.mean(-(np.asarray(w) * y * np.log(p)).sum(-1)))


@pytest.mark.parametrize("shape", [(16, 3), (2, 5, 4, 3)])
def test_matches_the_formula(shape):
    y, p = _random(shape)
    loss = WeightedCategoricalCrossentropy(WEIGHTS)
    np.testing.assert_allclose(float(loss(y, p)), _numpy_loss(y, p, WEIGHTS), rtol=1e-5)


def test_accepts_a_weight_dict_and_logits():
    y, p = _random((8, 3), seed=1)
    from_dict = WeightedCategoricalCrossentropy(dict(enumerate(WEIGHTS)))
    from_logits = WeightedCategoricalCrossentropy(WEIGHTS, from_logits=True)
    np.testing.assert_allclose(float(from_dict(y, p)), _numpy_loss(y, p, WEIGHTS), rtol=1e-5)
    np.testing.assert_allclose(
        float(from_logits(y, np.log(p))), _numpy_loss(y, p, WEIGHTS), rtol=1e-4
    )


def test_safe_at_zero_probability_with_finite_gradients():
    y = tf.constant([[0.0, 1.0, 0.0]])
    p = tf.Variable([[1.0, 0.0, 0.0]])
    loss = WeightedCategoricalCrossentropy(WEIGHTS)
    with tf.GradientTape() as tape:
        value = loss(y, p)
    gradient = tape.gradient(value, p)
    assert np.isfinite(float(value)) and float(value) > 10
    assert np.isfinite(gradient.numpy()).all()


def test_bad_weights():
    with pytest.raises(MammokitError):
        WeightedCategoricalCrossentropy([])
    with pytest.raises(MammokitError):
        WeightedCategoricalCrossentropy({0: 1.0, 2: 1.0})
    with pytest.raises(MammokitError, match="zero"):
        class_weights_from_counts([3, 0, 1])


def test_class_weights_from_counts_on_mini_ddsm_counts():
    assert class_weights_from_counts([2408, 2684, 2716]) == pytest.approx(
        [2716 / 2408, 2716 / 2684, 1.0]
    )


def test_focal_loss_with_per_class_alpha():
    y, p = _random((12, 3), seed=2)
    gamma = 2.0
    loss = CategoricalFocalLoss(gamma=gamma, alpha=WEIGHTS)
    expected = np.mean((-(np.asarray(WEIGHTS) * (1 - p) ** gamma * y * np.log(p))).sum(-1))
    np.testing.assert_allclose(float(loss(y, p)), expected, rtol=1e-4)


@pytest.mark.parametrize(
    "loss", [WeightedCategoricalCrossentropy(WEIGHTS), CategoricalFocalLoss(alpha=WEIGHTS)]
)
def test_losses_serialize(loss):
    config = keras.saving.serialize_keras_object(loss)
    again = keras.saving.deserialize_keras_object(config, safe_mode=True)
    y, p = _random((4, 3), seed=3)
    np.testing.assert_allclose(float(again(y, p)), float(loss(y, p)), rtol=1e-6)
