"""CAMs of a model trained on synthetic lesions point at the lesions; a random one's do not."""

import keras
import pytest

from mammokit import datasets
from mammokit.explain import METHODS, grad_cam, localization_scores
from mammokit.models import cnn_classifier
from mammokit.training import compile_classifier, fit

SIZE = (96, 96)
TOLERANCE = 4  # pixels: a peak on the lesion's rim counts, as in the demo


@pytest.fixture(scope="module")
def lesion_data(tmp_path_factory):
    root = datasets.make_synthetic(tmp_path_factory.mktemp("cam"), 90, (192, 120), seed=1)
    records = datasets.read_mini_ddsm(root, labels="breast")
    train, val, test = datasets.split_by_patient(records, 0.2, 0.2, seed=0)
    lesions = test[test["mask_paths"].map(len) > 0]
    (images, masks), _ = next(
        iter(datasets.to_tf_dataset(lesions, SIZE, len(lesions), with_masks=True, channels=1))
    )
    return train, val, test, images.numpy(), masks.numpy()[..., 0]


def _model():
    return cnn_classifier(input_shape=(*SIZE, 1), filters=(16, 32, 64))


@pytest.fixture(scope="module")
def trained(lesion_data):
    train, val, *_ = lesion_data
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
    return model


def test_the_model_learned_the_task(lesion_data, trained):
    _, _, test, images, _ = lesion_data
    probabilities = trained.predict(datasets.to_tf_dataset(test, SIZE, 64, channels=1), verbose=0)
    accuracy = (probabilities.argmax(1) == datasets.records.label_indices(test)).mean()
    assert accuracy >= 0.85
    assert len(images) > 20


@pytest.mark.parametrize("method", METHODS)
def test_every_method_points_at_the_lesions(lesion_data, trained, method):
    *_, images, masks = lesion_data
    heatmaps = grad_cam(trained, images, method=method)
    scores = localization_scores(heatmaps, masks, tolerance=TOLERANCE)
    assert scores["n_scored"] == len(images)
    assert scores["pointing_game"] >= 0.8, scores


def test_a_random_model_does_not_outline_the_lesions(lesion_data, trained):
    """The CAM follows what was learned (Adebayo et al., 2018, sanity check).

    Bright synthetic lesions make random ReLU features peak on them too (pointing game about
    0.6 for random weights at 4 px), so the overlap with the lesion is what tells them apart.
    """
    *_, images, masks = lesion_data
    learned = localization_scores(grad_cam(trained, images), masks, tolerance=TOLERANCE)
    for seed in (1, 2):
        keras.utils.set_random_seed(seed)
        untrained = localization_scores(grad_cam(_model(), images), masks, tolerance=TOLERANCE)
        assert untrained["iou"] <= learned["iou"] / 3
