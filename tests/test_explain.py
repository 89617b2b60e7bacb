import numpy as np
import pytest

from mammokit.errors import MammokitError
from mammokit.explain import find_last_conv_layer, grad_cam, localization_scores, overlay
from mammokit.models import cnn_classifier, mobilenet_classifier


@pytest.fixture(scope="module")
def cnn():
    return cnn_classifier(input_shape=(32, 32, 1), filters=(4, 8))


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).uniform(0, 255, (3, 32, 32, 1)).astype("float32")


@pytest.mark.parametrize("method", ["gradcam", "gradcam++", "scorecam", "layercam"])
def test_heatmaps_are_normalised_at_input_resolution(cnn, images, method):
    heatmaps = grad_cam(cnn, images, method=method, max_n=4)
    assert heatmaps.shape == (3, 32, 32) and heatmaps.dtype == np.float32
    assert np.isfinite(heatmaps).all()
    assert heatmaps.min() >= 0.0 and heatmaps.max() <= 1.0


def test_class_index_forms_and_single_image(cnn, images):
    assert grad_cam(cnn, images[0]).shape == (1, 32, 32)
    assert grad_cam(cnn, images, class_index=[0, 1, 2]).shape == (3, 32, 32)
    with pytest.raises(MammokitError, match="class_index"):
        grad_cam(cnn, images, class_index=3)


def test_last_conv_layer_of_mobilenet_and_bad_layer_names():
    model = mobilenet_classifier(input_shape=(64, 64, 3), weights=None, alpha=0.25)
    assert find_last_conv_layer(model) == "conv_pw_13_relu"
    with pytest.raises(MammokitError, match="valid:.*conv_pw_13_relu"):
        grad_cam(model, np.zeros((1, 64, 64, 3)), layer="predictions")


def test_bad_method(cnn, images):
    with pytest.raises(MammokitError, match="method"):
        grad_cam(cnn, images, method="saliency")


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_overlay_makes_rgb_uint8(dtype):
    image = (np.linspace(0, 1, 64 * 48).reshape(64, 48) * np.iinfo(np.uint16).max).astype(dtype)
    heat = np.zeros((8, 6))
    heat[2, 3] = 1.0
    out = overlay(image, heat, opacity=0.5)
    assert out.shape == (64, 48, 3) and out.dtype == np.uint8
    plain = overlay(image, heat, opacity=0.0)
    assert (plain[..., 0] == plain[..., 1]).all()  # alpha 0: the gray image only


def test_localization_scores_by_hand():
    masks = np.zeros((3, 10, 10))
    masks[0, 2:5, 2:5] = 1
    masks[1, 6:9, 6:9] = 1
    heat = np.zeros((3, 10, 10))
    heat[0, 2:5, 2:5] = 1.0  # perfect
    heat[1, 0:3, 0:3] = 1.0  # misses
    scores = localization_scores(heat, masks)  # image 2 has no lesion and is not scored
    assert scores == {"pointing_game": 0.5, "iou": 0.5, "n_scored": 2}
    with pytest.raises(MammokitError, match="shape"):
        localization_scores(heat, masks[:2])


def test_pointing_game_tolerance():
    masks = np.zeros((1, 20, 20))
    masks[0, 8:12, 8:12] = 1
    heat = np.zeros((1, 20, 20))
    heat[0, 10, 13] = 1.0  # two pixels right of the lesion
    assert localization_scores(heat, masks)["pointing_game"] == 0.0
    assert localization_scores(heat, masks, tolerance=2)["pointing_game"] == 1.0
    with pytest.raises(MammokitError, match="tolerance"):
        localization_scores(heat, masks, tolerance=-1)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mobilenet_v2", "out_relu"),
        ("vgg19", "block5_pool"),
        ("resnet50", "conv5_block3_out"),
        ("efficientnet_b0", "top_activation"),
        ("inception_v3", "mixed10"),
    ],
)
def test_every_backbone_gets_a_heatmap_without_naming_a_layer(name, expected):
    from mammokit.models import backbone_classifier

    size = 139 if name == "inception_v3" else 64
    model = backbone_classifier(name, input_shape=(size, size, 3), weights=None)
    assert find_last_conv_layer(model) == expected
    heatmaps = grad_cam(model, np.random.default_rng(0).uniform(0, 255, (1, size, size, 3)))
    assert heatmaps.shape == (1, size, size) and np.isfinite(heatmaps).all()


def test_grad_cam_uses_the_class_logit_and_equals_cam_on_a_pooled_head():
    """With global average pooling and a softmax dense head, Grad-CAM is exactly CAM.

    CAM weights each map by the class's dense weight: the logit's gradient. A probability or
    log-probability score would subtract the other classes' weights and give another map.
    """
    import keras

    inputs = keras.Input((12, 12, 1))
    seeded = keras.initializers.RandomNormal(stddev=1.0, seed=3)  # the same model every run
    maps = keras.layers.Conv2D(4, 3, padding="same", name="maps", kernel_initializer=seeded)(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(maps)
    outputs = keras.layers.Dense(
        3, activation="softmax", name="predictions", kernel_initializer=seeded
    )(pooled)
    model = keras.Model(inputs, outputs)
    images = np.random.default_rng(2).uniform(0, 1, (5, 12, 12, 1)).astype("float32")
    feature_maps = keras.Model(inputs, maps).predict(images, verbose=0)
    weights = model.get_layer("predictions").kernel.numpy()
    for target in range(3):
        expected = np.maximum((feature_maps * weights[:, target]).sum(-1), 0)
        assert (expected.max(axis=(1, 2)) > 0).all()  # a map to compare, not zeros
        low = expected.min(axis=(1, 2), keepdims=True)
        expected = (expected - low) / (expected.max(axis=(1, 2), keepdims=True) - low)
        heatmaps = grad_cam(model, images, class_index=target, layer="maps", method="gradcam")
        np.testing.assert_allclose(heatmaps, expected, atol=1e-4)


@pytest.mark.parametrize("method", ["gradcam", "gradcam++", "scorecam", "layercam"])
def test_library_calls_print_nothing_and_warn_nothing(cnn, images, method, capfd):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grad_cam(cnn, images, method=method, max_n=4)
    captured = capfd.readouterr()
    assert captured.out == ""
    assert "step" not in captured.err and "structure" not in captured.err


def test_overlay_alpha_still_works_for_one_release_with_a_warning():
    image, heat = np.full((8, 8), 100, np.uint8), np.eye(8)
    with pytest.deprecated_call(match="opacity"):
        old = overlay(image, heat, alpha=0.3)
    np.testing.assert_array_equal(old, overlay(image, heat, opacity=0.3))
