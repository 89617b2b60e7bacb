import numpy as np
import pytest

from mammokit.datasets import synthetic_mammogram
from mammokit.imaging.preprocess import (
    PreprocessError,
    clahe,
    crop_breast,
    flip_to_left,
    remove_pectoral,
)


def _phantom(side="LEFT", view="CC", dtype=np.uint8, seed=0):
    sample = synthetic_mammogram("Cancer", side, view, (200, 128), seed=seed)
    scale = 255 if dtype == np.uint8 else 65535
    return np.round(sample.image * scale).astype(dtype), sample.breast


def _box(mask):
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("seed", range(4))
def test_crop_keeps_the_breast_and_drops_the_label(dtype, seed):
    image, breast = _phantom("LEFT", "CC", dtype, seed)
    crop, (y0, y1, x0, x1) = crop_breast(image, return_box=True)
    by0, by1, bx0, bx1 = _box(breast)
    assert crop.dtype == dtype
    np.testing.assert_array_equal(crop, image[y0:y1, x0:x1])
    # the whole breast is inside, give or take the soft edge
    assert y0 <= by0 + 2 and y1 >= by1 - 2 and x0 <= bx0 + 2 and x1 >= bx1 - 2
    # the burnt-in view label sits in the top-right corner, outside the box
    assert not (y0 < 10 and x1 > 120)


def test_flip_to_left_by_side_and_by_guess():
    image, _ = _phantom("RIGHT")
    flipped = flip_to_left(image, "RIGHT")
    np.testing.assert_array_equal(flipped, image[:, ::-1])
    np.testing.assert_array_equal(flip_to_left(image), flipped)
    left, _ = _phantom("LEFT")
    assert flip_to_left(left, "LEFT") is left
    np.testing.assert_array_equal(flip_to_left(left, None), left)


def test_remove_pectoral_blanks_the_muscle_corner():
    image, _ = _phantom("LEFT", "MLO", np.uint8, seed=1)
    cleaned = remove_pectoral(image)
    assert cleaned.dtype == image.dtype
    assert cleaned[2:12, 2:12].max() <= image.min()
    # the centre of the breast is untouched
    h, w = image.shape
    np.testing.assert_array_equal(cleaned[h // 2, : w // 2], image[h // 2, : w // 2])


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_clahe_keeps_dtype_and_raises_contrast(dtype):
    image, _ = _phantom(dtype=np.uint16)
    image = image.astype(dtype)
    out = clahe(image)
    assert out.dtype == dtype and out.shape == image.shape
    assert np.isfinite(out.astype(float)).all()


@pytest.mark.parametrize("function", [crop_breast, flip_to_left, remove_pectoral, clahe])
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.full((8, 8), np.nan, np.float32), "NaN"),
        (np.zeros((0, 5), np.uint8), "empty"),
        (np.zeros((4, 4, 3), np.uint8), "2-D"),
        (np.zeros((2, 4, 4, 1), np.uint8), "2-D"),
        ([[1, 2], [3, 4]], "numpy array"),
    ],
)
def test_bad_input_is_rejected(function, bad, message):
    with pytest.raises(PreprocessError, match=message):
        function(bad)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("view", ["CC", "MLO"])
def test_crop_ignores_film_borders_and_scanner_text(seed, view):
    import cv2

    image, breast = _phantom("LEFT", view, np.uint16, seed)
    height, width = image.shape
    strip = max(2, width // 32)  # film edge, about 3% of the width
    image[:strip, :] = 62000
    image[-strip:, :] = 62000
    image[:, -strip:] = 62000
    text = np.zeros(image.shape, np.uint8)
    cv2.putText(
        text, "DDSM 1998", (width // 2, height - 3 * strip), cv2.FONT_HERSHEY_SIMPLEX, 0.4, 255, 1
    )
    image[text > 0] = 60000
    y0, y1, x0, x1 = crop_breast(image, return_box=True, margin=0.0)[1]
    by0, by1, bx0, bx1 = _box(breast)
    assert abs(y0 - max(by0, strip)) <= 4 and abs(y1 - min(by1, height - strip)) <= 4
    assert x0 <= bx0 + 2 and abs(x1 - bx1) <= 4
