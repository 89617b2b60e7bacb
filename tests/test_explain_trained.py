"""Grad-CAM of a model trained on synthetic lesions points at the lesions; a random one does not."""

import keras
import pytest

from mammokit import datasets
from mammokit.explain import grad_cam, localization_scores
from mammokit.models import cnn_classifier
from mammokit.training import compile_classifier, fit

SIZE = (96, 96)


@pytest.fixture(scope="module")
def lesion_data(tmp_path_factory):
    root = datasets.make_synthetic(tmp_path_factory.mktemp("cam"), 90, (192, 120), seed=1)
    train, val, test = datasets.split_by_patient(datasets.read_mini_ddsm(root), 0.2, 0.2, seed=0)
    lesions = test[test["label"] != "Normal"]
    (images, masks), _ = next(
        iter(datasets.to_tf_dataset(lesions, SIZE, len(lesions), with_masks=True, channels=1))
    )
    return train, val, test, images.numpy(), masks.numpy()[..., 0]


def _model():
    return cnn_classifier(input_shape=(*SIZE, 1), filters=(16, 32, 64))


def test_trained_model_points_at_lesions_random_model_does_not(lesion_data):
    train, val, test, images, masks = lesion_data
    keras.utils.set_random_seed(0)
    model = compile_classifier(_model(), decay_steps=25 * (len(train) // 16 + 1))
    fit(
        model,
        datasets.to_tf_dataset(train, SIZE, 16, shuffle=True, seed=0, cache=True, channels=1),
        datasets.to_tf_dataset(val, SIZE, 16, cache=True, channels=1),
        epochs=25,
        patience=25,
        verbose=0,
    )
    probabilities = model.predict(datasets.to_tf_dataset(test, SIZE, 64, channels=1), verbose=0)
    accuracy = (probabilities.argmax(1) == datasets.records.label_indices(test)).mean()
    assert accuracy >= 0.85

    trained = localization_scores(grad_cam(model, images), masks, tolerance=2)
    untrained = localization_scores(grad_cam(_model(), images), masks, tolerance=2)
    assert trained["n_scored"] == len(images) > 20
    assert trained["pointing_game"] >= 0.8
    assert untrained["pointing_game"] <= trained["pointing_game"] - 0.3
