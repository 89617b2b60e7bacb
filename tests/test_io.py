import cv2
import numpy as np
import pytest

from mammokit.errors import ImageReadError
from mammokit.io import read_image


@pytest.fixture
def gradient():
    return np.tile(np.linspace(0, 1, 64), (48, 1))


def test_keeps_8_and_16_bit(tmp_path, gradient):
    eight = (gradient * 255).astype(np.uint8)
    sixteen = (gradient * 65535).astype(np.uint16)
    cv2.imwrite(str(tmp_path / "a.png"), eight)
    cv2.imwrite(str(tmp_path / "b.png"), sixteen)
    cv2.imwrite(str(tmp_path / "c.jpg"), eight)
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), eight)
    np.testing.assert_array_equal(read_image(tmp_path / "b.png"), sixteen)
    jpeg = read_image(tmp_path / "c.jpg")
    assert jpeg.dtype == np.uint8 and np.abs(jpeg.astype(int) - eight).max() < 8


def test_colour_becomes_gray(tmp_path, gradient):
    rgb = np.dstack([(gradient * 255).astype(np.uint8)] * 3)
    cv2.imwrite(str(tmp_path / "rgb.png"), rgb)
    assert read_image(tmp_path / "rgb.png").shape == (48, 64)


def test_dct_downscaled_jpeg_is_never_smaller_than_asked(tmp_path):
    image = np.random.default_rng(0).integers(0, 255, (800, 480), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "big.jpg"), image)
    assert read_image(tmp_path / "big.jpg", min_size=(200, 120)).shape == (200, 120)
    assert read_image(tmp_path / "big.jpg", min_size=(201, 120)).shape == (400, 240)
    assert read_image(tmp_path / "big.jpg", min_size=(900, 10)).shape == (800, 480)


def _file(folder, name, data):
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.png", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: _file(d, "empty.png", b""), "empty file"),
        (lambda d: _file(d, "text.png", b"hello"), "not a readable image"),
    ],
)
def test_unreadable_input_names_the_file(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(ImageReadError, match=message) as info:
        read_image(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_truncated_files_are_refused(tmp_path, gradient, suffix):
    path = tmp_path / f"full{suffix}"
    cv2.imwrite(str(path), (gradient * 255).astype(np.uint8))
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ImageReadError, match="cut"):
        read_image(cut)
